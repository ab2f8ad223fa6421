/**
 * DynamoDB table reads that table I/O and the DR commands share: describe-or-undefined, the one key-schema comparison,
 * the one wait for ACTIVE (the SDK's waiter plus a check that every GSI is ACTIVE).
 */
import {
  DescribeTableCommand,
  DynamoDBClient,
  TableDescription,
  waitUntilTableExists,
  type AttributeDefinition,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { TableSpec } from "../catalog";
import { NotFoundError, PreconditionError } from "../errors";
import { schemaFromCatalog } from "../export-format/schema";
import { formatDuration } from "../duration";
import type { ProgressSink } from "../progress-sink";

export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === "ResourceNotFoundException" || name === "TableNotFoundException";
}

/** The region the client talks to, for messages. */
export async function clientRegion(client: DynamoDBClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return "(no region configured)";
  }
}

export async function describeTable(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    const res = await client.send(new DescribeTableCommand({ TableName: name }));
    return res.Table;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What a key is compared by: KeySchema, and the attribute types when known (DescribeTable, schema.json). */
export interface KeyShape {
  readonly KeySchema?: readonly KeySchemaElement[];
  readonly AttributeDefinitions?: readonly AttributeDefinition[];
}

interface KeyParts {
  readonly hash: string | undefined;
  readonly range: string | undefined;
  readonly types: ReadonlyMap<string | undefined, string | undefined>;
}

function keyParts(shape: KeyShape): KeyParts {
  const name = (type: string): string | undefined => shape.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  const types = new Map((shape.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  return { hash: name("HASH"), range: name("RANGE"), types };
}

/** `hash key pk (S), sort key (none)`; the types only with `withTypes`. */
export function keyText(shape: KeyShape, withTypes = true): string {
  const k = keyParts(shape);
  const part = (n: string | undefined): string =>
    n === undefined ? "(none)" : withTypes && k.types.has(n) ? `${n} (${k.types.get(n) ?? "?"})` : n;
  return `hash key ${part(k.hash)}, sort key ${part(k.range)}`;
}

/** Whether two keys differ: names, and types where both sides know them. The one key-schema comparison. */
export function keysDiffer(a: KeyShape, b: KeyShape): boolean {
  const ka = keyParts(a);
  const kb = keyParts(b);
  if (ka.hash !== kb.hash || ka.range !== kb.range) return true;
  return [ka.hash, ka.range].some((n) => {
    const [ta, tb] = [ka.types.get(n), kb.types.get(n)];
    return n !== undefined && ta !== undefined && tb !== undefined && ta !== tb;
  });
}

/** A catalog entry's key as a KeyShape (from the one catalog → schema conversion). */
export function specKey(spec: TableSpec): KeyShape {
  return schemaFromCatalog(spec, spec.name).table;
}

/** Why a table's keys do not match its catalog entry, or undefined when they do. */
export function keySchemaProblem(spec: TableSpec, table: TableDescription): string | undefined {
  const want = specKey(spec);
  if (!keysDiffer(want, table)) return undefined;
  const typed = keyText(want, false) === keyText(table, false);
  return `it has ${keyText(table, typed)} but the catalog's ${spec.name} has ${keyText(want, typed)}`;
}

/**
 * The table to import must exist, be ACTIVE and have the catalog's keys; checked before any state change.
 */
export async function checkImportableTable(
  client: DynamoDBClient,
  spec: TableSpec,
  name: string,
  flag: string,
): Promise<TableDescription> {
  const table = await describeTable(client, name);
  if (table === undefined) {
    throw new NotFoundError(
      `${flag}: table "${name}" does not exist in ${await clientRegion(client)}; check the name (aws dynamodb list-tables) and AWS_REGION`,
    );
  }
  if (table.TableStatus !== "ACTIVE") {
    throw new PreconditionError(
      `restored table "${name}" is ${table.TableStatus ?? "in an unknown state"}, not ACTIVE; wait for the restore to finish (aws dynamodb wait table-exists --table-name ${name}), then run this again`,
    );
  }
  const problem = keySchemaProblem(spec, table);
  if (problem !== undefined) {
    throw new PreconditionError(`${flag}: table "${name}" is not a copy of ${spec.name}: ${problem}`);
  }
  return table;
}

/** How long `waitForTableActive` waits by default. */
export const TABLE_ACTIVE_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_POLL_MS = 5000;

export interface WaitOptions {
  /** Give up after this long; 0 checks once. */
  readonly timeoutMs: number;
  /** Shortest pause between checks (the SDK waiter backs off from it). @default 5000 */
  readonly pollMs?: number;
  readonly progress?: ProgressSink;
}

/**
 * The one wait for a table: the SDK's `waitUntilTableExists` (table ACTIVE), then every GSI ACTIVE. Returns the
 * description, or undefined when the time ran out (the caller says what to do).
 */
export async function waitForTableActive(
  client: DynamoDBClient,
  name: string,
  opts: Omit<WaitOptions, "progress">,
): Promise<TableDescription | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const seconds = (ms: number): number => Math.max(ms, 1) / 1000;
  for (;;) {
    const left = deadline - Date.now();
    let table: TableDescription | undefined;
    if (left > pollMs) {
      const res = await waitUntilTableExists(
        { client, maxWaitTime: seconds(left), minDelay: seconds(pollMs), maxDelay: seconds(Math.max(pollMs, 30_000)) },
        { TableName: name },
      ).catch(() => undefined);
      table = res?.reason === undefined ? undefined : (res.reason as { Table?: TableDescription }).Table;
    }
    table ??= await describeTable(client, name);
    const gsisActive = (table?.GlobalSecondaryIndexes ?? []).every((g) => (g.IndexStatus ?? "ACTIVE") === "ACTIVE");
    if (table?.TableStatus === "ACTIVE" && gsisActive) return table;
    if (Date.now() + pollMs > deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Waits until every table is ACTIVE, in parallel; the progress counts tables done. */
export async function waitForActive(
  client: DynamoDBClient,
  names: readonly string[],
  opts: WaitOptions,
): Promise<void> {
  const status = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      const table = await waitForTableActive(client, name, opts);
      if (table !== undefined) opts.progress?.add(1);
      else status.set(name, (await describeTable(client, name))?.TableStatus ?? "NOT FOUND");
    }),
  );
  const pending = [...status.entries()];
  if (pending.length > 0) {
    throw new PreconditionError(
      `restored table${pending.length > 1 ? "s" : ""} not ACTIVE after waiting ${formatDuration(opts.timeoutMs / 1000)}: ${pending.map(([n, s]) => `${n} (${s})`).join(", ")}. The restore goes on in AWS; when ${pending.length > 1 ? "they are" : "it is"} ACTIVE (aws dynamodb wait table-exists --table-name <name>), run import-restored-table / the printed terraform import commands.`,
    );
  }
}
