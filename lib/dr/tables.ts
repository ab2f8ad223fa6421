/**
 * DynamoDB reads the DR commands share: describe-or-undefined, the key schema check, waiting for ACTIVE.
 */
import { DescribeTableCommand, DynamoDBClient, TableDescription } from "@aws-sdk/client-dynamodb";
import { TableSpec } from "../catalog";
import { NotFoundError, PreconditionError } from "../cli/errors";
import { Progress, formatDuration } from "../cli/progress";

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

/** Why a table's keys do not match its catalog entry, or undefined when they do. */
export function keySchemaProblem(spec: TableSpec, table: TableDescription): string | undefined {
  const key = (type: string): string | undefined =>
    table.KeySchema?.find((k) => k.KeyType === type)?.AttributeName ?? undefined;
  const hash = key("HASH");
  const range = key("RANGE");
  if (hash === spec.hashKey && range === spec.rangeKey) return undefined;
  const fmt = (h: string | undefined, r: string | undefined): string =>
    `hash key ${h ?? "(none)"}, sort key ${r ?? "(none)"}`;
  return `it has ${fmt(hash, range)} but the catalog's ${spec.name} has ${fmt(spec.hashKey, spec.rangeKey)}`;
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

export interface WaitOptions {
  /** Give up after this long; 0 checks once. */
  readonly timeoutMs: number;
  /** @default 5000 */
  readonly pollMs?: number;
  readonly progress?: Progress;
}

/** Waits until every table is ACTIVE, polling them in parallel; the progress counts tables done. */
export async function waitForActive(
  client: DynamoDBClient,
  names: readonly string[],
  opts: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 5000;
  const status = new Map<string, string>();
  await Promise.all(
    names.map(async (name) => {
      for (;;) {
        const t = await describeTable(client, name);
        const s = t?.TableStatus ?? "NOT FOUND";
        status.set(name, s);
        if (s === "ACTIVE") {
          opts.progress?.add(1);
          return;
        }
        if (Date.now() + pollMs > deadline) return;
        opts.progress?.add(0);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    }),
  );
  const pending = [...status.entries()].filter(([, s]) => s !== "ACTIVE");
  if (pending.length > 0) {
    throw new PreconditionError(
      `restored table${pending.length > 1 ? "s" : ""} not ACTIVE after waiting ${formatDuration(opts.timeoutMs / 1000)}: ${pending.map(([n, s]) => `${n} (${s})`).join(", ")}. The restore goes on in AWS; when ${pending.length > 1 ? "they are" : "it is"} ACTIVE (aws dynamodb wait table-exists --table-name <name>), run import-restored-table / the printed terraform import commands.`,
    );
  }
}
