/**
 * The rehearsal's data: Cumulus-shaped items for every catalog table (keys of the right types, GSI keys, TTL in the
 * future, nested maps and lists, numbers, binary, non-ASCII text), written with BatchWriteItem; snapshots of a table
 * taken with Scan, and their comparison.
 */
import { BatchWriteItemCommand, ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { KeyAttributeType, TableSpec } from "../catalog";

/** Items written to every table. */
export const ITEMS_PER_TABLE = 24;
const BATCH = 25;
const STATUSES = ["completed", "running", "failed", "queued"] as const;
const DAY_S = 86_400;

export type Item = Record<string, AttributeValue>;

function keyValue(type: KeyAttributeType, attr: string, i: number): AttributeValue {
  if (type === "N") return { N: String(1_700_000_000_000 + i) };
  if (type === "B") return { B: new TextEncoder().encode(`${attr}-${i}`) };
  return { S: `${attr}-${String(i).padStart(4, "0")}` };
}

/** One Cumulus-shaped item (granule/collection/execution-like fields around the table's keys). */
export function cumulusItem(spec: TableSpec, i: number, nowMs: number): Item {
  const item: Item = {
    createdAt: { N: String(nowMs - i * 60_000) },
    updatedAt: { N: String(nowMs) },
    status: { S: STATUSES[i % STATUSES.length] as string },
    collectionId: { S: `MOD09GQ___00${i % 7}` },
    provider: { S: "s3_provider" },
    files: {
      L: [0, 1].map((f) => ({
        M: {
          bucket: { S: "protected" },
          key: { S: `MOD09GQ/${i}/granule-${i}.${f === 0 ? "hdf" : "jpg"}` },
          size: { N: String(1024 * (i + 1) + f) },
          checksumType: { S: "md5" },
        },
      })),
    },
    meta: { M: { note: { S: `répétition ${i} — 演習` }, retries: { N: String(i % 3) }, ok: { BOOL: i % 2 === 0 } } },
    blob: { B: new Uint8Array([i % 256, 0, 255]) },
  };
  for (const [attr, type] of Object.entries(spec.attributes)) item[attr] = keyValue(type, attr, i);
  if (spec.ttlAttribute !== undefined) item[spec.ttlAttribute] = { N: String(Math.floor(nowMs / 1000) + 30 * DAY_S) };
  return item;
}

export async function writeItems(ddb: DynamoDBClient, table: string, items: readonly Item[]): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    let pending: Record<string, { PutRequest: { Item: Item } }[]> = {
      [table]: items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } })),
    };
    while ((pending[table]?.length ?? 0) > 0) {
      const res = await ddb.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = (res.UnprocessedItems ?? {}) as typeof pending;
    }
  }
}

/** Every item of a table, each as canonical JSON (keys sorted), sorted: two equal tables give equal lists. */
export async function snapshotTable(ddb: DynamoDBClient, table: string): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    for (const item of page.Items ?? []) out.push(canonical(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out.sort();
}

function canonical(v: unknown): string {
  if (v instanceof Uint8Array) return JSON.stringify({ $b: Buffer.from(v).toString("base64") });
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export interface SnapshotDiff {
  readonly equal: boolean;
  readonly expected: number;
  readonly actual: number;
  /** Items in the checkpoint that are missing or different now. */
  readonly missing: number;
  /** Items now that the checkpoint does not have (or had differently). */
  readonly extra: number;
}

export function compareSnapshots(expected: readonly string[], actual: readonly string[]): SnapshotDiff {
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = expected.filter((x) => !a.has(x)).length;
  const extra = actual.filter((x) => !e.has(x)).length;
  return { equal: missing === 0 && extra === 0, expected: expected.length, actual: actual.length, missing, extra };
}
