/**
 * THE definition of a rebuild: which stored records make up a table as of a time T, and which one wins per key. Every
 * engine runs this one definition, rendered through its {@link SqlDialect} (DuckDB on one machine, Athena at scale);
 * nothing else in the project decides what a rebuilt table holds.
 *
 * Records, in the order they apply (later wins):
 *   tier 0  the base: every item of the chosen full export;
 *   tier 1  incremental export records (`{"Metadata":{"WriteTimestampMicros"},"Keys","NewImage","OldImage"}`) of the
 *           chosen contiguous windows, ordered by WriteTimestampMicros;
 *   tier 2  captured stream records (`changes/…`) from `captureFromMicros` to T, in stream sequence order (a key's
 *           records stay on one shard lineage, whose sequence numbers increase). A record delivered twice has the same
 *           eventID, sequence number and images, so its copies are one record: they can never change the winner.
 * Per key the last record wins. A record without NewImage (REMOVE, or an incremental delete) deletes the key; a TTL
 * delete (userIdentity Service/dynamodb.amazonaws.com) too, unless `keepTtlDeleted`, when it is skipped and the item
 * stays as it was. The rebuilt table is every key whose winner has an image; each line is `{"Item":<that image>}`.
 *
 * Capture times are ApproximateCreationDateTime: T is applied at the stream's timestamp precision (whole seconds for
 * Lambda's events), so two writes of one key within the same second are told apart by order, not by T.
 */
import type { JsonField, SqlDialect } from "./dialect";

export const TIER = { base: 0, incremental: 1, capture: 2 } as const;
/** Width of the ordering digits: WriteTimestampMicros (µs since 1970: 16 digits today), sequence numbers (≤ 40). */
export const MICROS_WIDTH = 20;
export const SEQUENCE_WIDTH = 40;
/** userIdentity of a TTL delete. */
export const TTL_PRINCIPAL = { type: "Service", principalId: "dynamodb.amazonaws.com" } as const;

export interface RebuildInputs {
  /** Hash key attribute, then range key attribute when there is one. */
  readonly keyAttributes: readonly string[];
  /** Data files of the base full export (`{"Item":…}` lines). */
  readonly baseFiles: readonly string[];
  /** Data files of the incremental exports replayed (their windows are contiguous from the base on). */
  readonly incrementalFiles: readonly string[];
  /** Change objects replayed (sealed hours, and checked unsealed ones). */
  readonly captureFiles: readonly string[];
  /** Capture records from this time on (epoch µs, inclusive) take part. */
  readonly captureFromMicros: number;
  /** T (epoch µs): records after it take no part. */
  readonly atMicros: number;
  /** Skip TTL deletes instead of applying them. */
  readonly keepTtlDeleted: boolean;
}

/** The key attributes as fields under `under` (Item or Keys), named k0, k1. */
function keyFields(under: string, attrs: readonly string[]): JsonField[] {
  return attrs.map((a, i) => ({ name: `k${i}`, path: [under, a], as: "json" as const }));
}

/** The key of a record: each key attribute's JSON value text, joined by a character JSON never leaves unescaped. */
function keyOf(d: SqlDialect, attrs: readonly string[]): string {
  return attrs.length === 1
    ? "k0"
    : d.concat(...attrs.flatMap((_, i) => (i === 0 ? ["k0"] : [d.keySeparator, `k${i}`])));
}

/** The fields of each record of an incremental or capture group (the raw line is not needed there). */
function fieldsOf(
  d: SqlDialect,
  source: "incremental" | "capture",
  files: readonly string[],
  fields: readonly JsonField[],
): string {
  return d.readFields?.(source, files, fields) ?? d.withFields(d.readLines(source, files), fields);
}

function baseRecords(d: SqlDialect, inp: RebuildInputs): string {
  const lines = d.withFields(d.readLines("base", inp.baseFiles), keyFields("Item", inp.keyAttributes));
  return `SELECT file, ${TIER.base} AS tier, ${keyOf(d, inp.keyAttributes)} AS k, ${d.str("0")} AS o,
    CAST(NULL AS BIGINT) AS t, ${d.itemImage("line")} AS img, FALSE AS ttl
  FROM ${lines}`;
}

function incrementalRecords(d: SqlDialect, inp: RebuildInputs): string {
  const lines = fieldsOf(d, "incremental", inp.incrementalFiles, [
    ...keyFields("Keys", inp.keyAttributes),
    { name: "micros", path: ["Metadata", "WriteTimestampMicros", "N"], as: "string" },
    { name: "new_image", path: ["NewImage"], as: "json" },
  ]);
  return `SELECT file, ${TIER.incremental} AS tier, ${keyOf(d, inp.keyAttributes)} AS k,
    ${d.concat(d.str("1"), d.padDigits("micros", MICROS_WIDTH))} AS o, ${d.bigint("micros")} AS t,
    new_image AS img, FALSE AS ttl
  FROM ${lines}`;
}

function captureRecords(d: SqlDialect, inp: RebuildInputs): string {
  const lines = fieldsOf(d, "capture", inp.captureFiles, [
    ...keyFields("Keys", inp.keyAttributes),
    { name: "seq", path: ["SequenceNumber"], as: "string" },
    { name: "created", path: ["ApproximateCreationDateTime"], as: "string" },
    { name: "new_image", path: ["NewImage"], as: "json" },
    { name: "event_name", path: ["eventName"], as: "string" },
    { name: "identity_type", path: ["userIdentity", "type"], as: "string" },
    { name: "principal", path: ["userIdentity", "principalId"], as: "string" },
  ]);
  const ttl = `(event_name = ${d.str("REMOVE")} AND identity_type = ${d.str(TTL_PRINCIPAL.type)}
      AND principal = ${d.str(TTL_PRINCIPAL.principalId)})`;
  return `SELECT file, ${TIER.capture} AS tier, ${keyOf(d, inp.keyAttributes)} AS k,
    ${d.concat(d.str("2"), d.padDigits("seq", SEQUENCE_WIDTH))} AS o, ${d.microsFromSeconds("created")} AS t,
    new_image AS img, COALESCE(${ttl}, FALSE) AS ttl
  FROM ${lines}`;
}

/** An empty relation with the columns of {@link recordsSql}. */
const NO_RECORDS = `SELECT CAST(NULL AS VARCHAR) AS file, 0 AS tier, CAST(NULL AS VARCHAR) AS k, CAST(NULL AS VARCHAR) AS o,
      CAST(NULL AS BIGINT) AS t, CAST(NULL AS VARCHAR) AS img, FALSE AS ttl WHERE FALSE`;

function unionOf(parts: readonly (string | undefined)[]): string {
  const present = parts.filter((p): p is string => p !== undefined);
  return present.length === 0 ? NO_RECORDS : present.join("\nUNION ALL\n");
}

/**
 * Every stored record the rebuild reads, one row each: `file, tier, k, o, t, img, ttl` (`o` orders a key's records,
 * `img` is NULL for deletes). Engines that stage it count rows per file against the manifests before use.
 */
export function recordsSql(d: SqlDialect, inp: RebuildInputs): string {
  return unionOf([inp.baseFiles.length > 0 ? baseRecords(d, inp) : undefined, ...changeParts(d, inp)]);
}

function changeParts(d: SqlDialect, inp: RebuildInputs): (string | undefined)[] {
  return [
    inp.incrementalFiles.length > 0 ? incrementalRecords(d, inp) : undefined,
    inp.captureFiles.length > 0 ? captureRecords(d, inp) : undefined,
  ];
}

/**
 * The change records of {@link recordsSql} (tiers 1 and 2: incremental exports and capture), same columns. An engine
 * that stages only these (DuckDB) reads the base where it is used ({@link baseLinesSql}).
 */
export function changeRecordsSql(d: SqlDialect, inp: RebuildInputs): string {
  return unionOf(changeParts(d, inp));
}

/**
 * The base's items as `file, k, line`: each item's key and its output line (`{"Item":<image>}`, byte for byte as
 * {@link itemLine} of the image gives it; a dialect with `itemLineOf` returns a stored line of that form as it is).
 * Undefined when the base has no data files (an empty table).
 */
export function baseLinesSql(d: SqlDialect, inp: RebuildInputs): string | undefined {
  if (inp.baseFiles.length === 0) return undefined;
  const lines = d.withFields(d.readLines("base", inp.baseFiles), keyFields("Item", inp.keyAttributes));
  const line = d.itemLineOf?.("line") ?? itemLine(d, d.itemImage("line"));
  return `SELECT file, ${keyOf(d, inp.keyAttributes)} AS k, ${line} AS line FROM ${lines}`;
}

/** Which records take part: the base, incrementals up to T, capture from its start to T (TTL deletes maybe skipped). */
export function takesPart(inp: RebuildInputs): string {
  const capture = `(tier = ${TIER.capture} AND t >= ${inp.captureFromMicros} AND t <= ${inp.atMicros}${inp.keepTtlDeleted ? " AND NOT ttl" : ""})`;
  return `(tier = ${TIER.base} OR (tier = ${TIER.incremental} AND t <= ${inp.atMicros}) OR ${capture})`;
}

/**
 * THE winner rule, once for every engine: per key `k`, among the records taking part, the one with the greatest `o`;
 * a key whose winner has no image (a delete) is not in the table. Returns `carry` (columns of `records`) of each
 * live winner. The ranking sees only what it needs (`carry`, `k`, `o`, whether there is an image), never the images
 * unless they are carried. Engines pick what to carry: Athena the image itself, DuckDB a row id (so its sort moves narrow rows
 * and only the winners' images are fetched, lib/history/duckdb-engine.ts).
 */
export function winnersSql(inp: RebuildInputs, records: string, carry: string): string {
  return `SELECT ${carry}
FROM (
  SELECT ${carry}, live, row_number() OVER (PARTITION BY k ORDER BY o DESC) AS rn
  FROM (SELECT ${carry}, k, o, img IS NOT NULL AS live FROM ${records} WHERE ${takesPart(inp)}) AS taking
) AS ranked
WHERE rn = 1 AND live`;
}

/** The rule in two parts: the per-key winners among the changes, then the output lines that read them. */
export interface ChangesFirst {
  /** `k, rowid` of each key's winning change (the caller stages it as the `winners` table). */
  readonly winners: string;
  /** Statements of one column, `line`: the live change winners' lines, then the base's untouched lines. */
  readonly lines: readonly string[];
}

/**
 * The same rule evaluated in two parts, for an engine that stages the change records and can aggregate per key
 * (DuckDB): the base's `o` ("0") sorts before every change's, so a key with any change taking part is won by its last
 * change, and a key with none keeps its base item. So only the changes (`changes`, a staged relation of
 * {@link changeRecordsSql} with a `rowid`) are ranked — by `arg_max` of the row id over `o`, a hash aggregate instead
 * of a sort over every record; `o` is unique per key (a sequence number or a write time, and a record delivered twice
 * is the same record), so which of equal records wins cannot matter — and the base items ({@link baseLinesSql}, read
 * where they are used, never staged) are those whose key no change touches. `tables` names the staged changes (with a
 * `rowid`) and the table the caller makes of {@link ChangesFirst.winners}; each of {@link ChangesFirst.lines} is run
 * on its own, one after the other, so each has the engine's whole memory (run as one statement, DuckDB holds the
 * winners' join and the base's at once, and at a small memory limit it runs out instead of spilling).
 */
export function changesFirstSql(
  d: SqlDialect,
  inp: RebuildInputs,
  tables: { readonly changes: string; readonly winners: string },
  line: (img: string) => string,
): ChangesFirst {
  const { changes, winners } = tables;
  const taking = `SELECT rowid, k, o FROM ${changes} WHERE ${takesPart(inp)}`;
  const changeLines = `SELECT ${line("img")} AS line
FROM ${changes} AS r SEMI JOIN ${winners} AS w ON r.rowid = w.rowid
WHERE r.img IS NOT NULL`;
  const base = baseLinesSql(d, inp);
  // NOT IN, not an anti join: DuckDB always builds a NOT IN's hash table on its subquery (the touched keys), where an
  // anti join's build side follows size estimates that a compressed file's line count defeats (it then hashes every
  // base line). A base line without its key (k NULL) is kept, as a key no change can touch ('' is no key's JSON text).
  const baseLines = `SELECT b.line FROM (${base}) AS b WHERE COALESCE(b.k, '') NOT IN (SELECT k FROM ${winners} WHERE k IS NOT NULL)`;
  return {
    winners: `SELECT k, arg_max(rowid, o) AS rowid FROM (${taking}) AS c GROUP BY k`,
    lines: base === undefined ? [changeLines] : [changeLines, baseLines],
  };
}

/** The rebuilt table from a relation of {@link recordsSql}: one column `line`, `{"Item":<image>}` per live key. */
export function rebuiltLinesSql(d: SqlDialect, inp: RebuildInputs, records: string): string {
  return `SELECT ${itemLine(d, "img")} AS line
FROM (${winnersSql(inp, records, "img")}) AS winners`;
}

/** An output line from an item image. */
export function itemLine(d: SqlDialect, img: string): string {
  return d.concat(d.str('{"Item":'), img, d.str("}"));
}

/** Rows per file of a relation of {@link recordsSql} (for the count check before use). */
export function countsPerFileSql(records: string): string {
  return `SELECT file, count(*) AS n FROM ${records} GROUP BY file`;
}
