/**
 * The three questions users ask of a history, as SQL over the captured changes (rendered through a
 * {@link SqlDialect}; the tests run the DuckDB form on the fixture history, the README shows the Athena form):
 *   1. the full history of one item;
 *   2. who or what changed items between two times (eventName, userIdentity);
 *   3. the table as of T: the rebuild's own definition (definition.ts).
 */
import { rebuiltLinesSql, recordsSql, SEQUENCE_WIDTH, type RebuildInputs } from "./definition";
import type { SqlDialect } from "./dialect";

/** Every captured change of one item, oldest first: time, eventName, who, the images. */
export function itemHistorySql(
  d: SqlDialect,
  captureFiles: readonly string[],
  key: Readonly<Record<string, unknown>>,
): string {
  const match = Object.entries(key)
    .map(([attr, value]) => `${d.json("line", ["Keys", attr])} = ${d.str(JSON.stringify(value))}`)
    .join(" AND ");
  return `SELECT ${d.microsFromSeconds(d.jsonString("line", ["ApproximateCreationDateTime"]))} AS at_micros,
  ${d.jsonString("line", ["eventName"])} AS event_name,
  ${d.json("line", ["userIdentity"])} AS user_identity,
  ${d.json("line", ["NewImage"])} AS new_image,
  ${d.json("line", ["OldImage"])} AS old_image
FROM ${d.readLines("capture", captureFiles)}
WHERE ${match}
ORDER BY ${d.padDigits(d.jsonString("line", ["SequenceNumber"]), SEQUENCE_WIDTH)}`;
}

/** Who or what changed which items in [fromMicros, toMicros]: one row per change, in stream order. */
export function changesBetweenSql(
  d: SqlDialect,
  captureFiles: readonly string[],
  fromMicros: number,
  toMicros: number,
): string {
  const at = d.microsFromSeconds(d.jsonString("line", ["ApproximateCreationDateTime"]));
  return `SELECT at_micros, event_name, identity_type, principal, keys FROM (
  SELECT ${at} AS at_micros,
    ${d.jsonString("line", ["eventName"])} AS event_name,
    ${d.jsonString("line", ["userIdentity", "type"])} AS identity_type,
    ${d.jsonString("line", ["userIdentity", "principalId"])} AS principal,
    ${d.json("line", ["Keys"])} AS keys,
    ${d.padDigits(d.jsonString("line", ["SequenceNumber"]), SEQUENCE_WIDTH)} AS seq
  FROM ${d.readLines("capture", captureFiles)}
) AS changes
WHERE at_micros >= ${fromMicros} AND at_micros <= ${toMicros}
ORDER BY seq`;
}

/** The table as of T: exactly what `dynamo-dr rebuild` writes (one `{"Item":…}` line per item). */
export function tableAsOfSql(d: SqlDialect, inputs: RebuildInputs): string {
  return rebuiltLinesSql(d, inputs, `(${recordsSql(d, inputs)}) AS records`);
}
