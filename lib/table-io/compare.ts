/**
 * Compares an export with a live table, item by item (by primary key): which keys are missing from the table, which
 * are in the table but not the export, and which differ. Memory: one 16-byte digest plus the key per exported item.
 * The table is read in DynamoDB's wire form and decoded by the export codec (./wire.ts), never through SDK objects:
 * the SDK's deserializer loses attributes named "__proto__", which would make a faithful restore look different.
 */
import type { DynamoDBClient, TableDescription } from "@aws-sdk/client-dynamodb";
import { createHash } from "node:crypto";
import { clientRegion, describeTable, keysDiffer, keyText } from "./tables";
import { NotFoundError, PreconditionError } from "../errors";
import {
  canonicalItem,
  decodeWireItem,
  itemKeyString,
  keyAttributeNames,
  readExportItems,
  type OpenedExport,
} from "../export-format";
import { parallelScan } from "./scan";
import type { RetryPolicy } from "./retry";

/** Keys listed per category in the report (the counts are always exact). */
export const DEFAULT_SAMPLE_KEYS = 100;

export interface CompareReport {
  readonly ok: boolean;
  readonly tableName: string;
  readonly exportItems: number;
  readonly tableItems: number;
  readonly matching: number;
  readonly missingCount: number;
  readonly extraCount: number;
  readonly differentCount: number;
  /** Keys (as DynamoDB JSON) in the export but not the table; at most `sampleKeys`. */
  readonly missing: readonly string[];
  /** Keys in the table but not the export. */
  readonly extra: readonly string[];
  /** Keys in both whose items differ. */
  readonly different: readonly string[];
  /** Keys seen more than once in the export (a damaged or hand-edited export). */
  readonly duplicateExportKeys: number;
}

export interface CompareOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** @default 8 */
  readonly segments?: number;
  /** @default DEFAULT_SAMPLE_KEYS */
  readonly sampleKeys?: number;
  readonly retry?: RetryPolicy;
  readonly onProgress?: (phase: "export" | "table", items: number) => void;
}

function keyOrRefuse(
  item: Parameters<typeof itemKeyString>[0],
  keyNames: string[],
  table: string,
  where: string,
): string {
  try {
    return itemKeyString(item, keyNames);
  } catch (err) {
    throw new PreconditionError(
      `--table: the items in ${where} do not have table "${table}"'s key (${(err as Error).message}); compare with a table of the same key`,
    );
  }
}

function digest(s: string): string {
  return createHash("md5").update(s).digest("base64");
}

/**
 * The table to compare with exists and has the backup's key (schema.json's; AWS's exports carry none, so then each
 * item is checked for the key as it is read). Checked before anything is read.
 */
export async function checkCompareTarget(
  exp: OpenedExport,
  client: DynamoDBClient,
  tableName: string,
): Promise<TableDescription> {
  const desc = await describeTable(client, tableName);
  if (desc === undefined) {
    throw new NotFoundError(
      `--table: table "${tableName}" does not exist in ${await clientRegion(client)}; check the name (aws dynamodb list-tables) and AWS_REGION`,
    );
  }
  if (exp.schema !== undefined && keysDiffer(desc, exp.schema.table)) {
    throw new PreconditionError(
      `--table: table "${tableName}" has ${keyText(desc)} but the backup at ${exp.location} is of a table with ${keyText(exp.schema.table)}; compare with a table of the same key`,
    );
  }
  return desc;
}

export async function compareExportWithTable(exp: OpenedExport, opts: CompareOptions): Promise<CompareReport> {
  const desc = await checkCompareTarget(exp, opts.client, opts.tableName);
  const keyNames = keyAttributeNames({ table: { KeySchema: desc.KeySchema ?? [] } });
  const sample = opts.sampleKeys ?? DEFAULT_SAMPLE_KEYS;
  const fromExport = await exportDigests(exp, keyNames, opts);
  const expected = fromExport.digests;
  const t = await matchTable(expected, keyNames, sample, opts);
  const missing: string[] = [];
  for (const key of expected.keys()) {
    if (missing.length >= sample) break;
    missing.push(key);
  }
  const missingCount = expected.size;
  const { duplicateExportKeys, exportItems } = fromExport;
  return {
    ok: missingCount === 0 && t.extraCount === 0 && t.differentCount === 0 && duplicateExportKeys === 0,
    tableName: opts.tableName,
    exportItems,
    tableItems: t.tableItems,
    matching: t.matching,
    missingCount,
    extraCount: t.extraCount,
    differentCount: t.differentCount,
    missing: missing.sort(),
    extra: t.extra.sort(),
    different: t.different.sort(),
    duplicateExportKeys,
  };
}

/** Phase 1: key → digest of every exported item. */
async function exportDigests(
  exp: OpenedExport,
  keyNames: string[],
  opts: CompareOptions,
): Promise<{ digests: Map<string, string>; exportItems: number; duplicateExportKeys: number }> {
  const digests = new Map<string, string>();
  let exportItems = 0;
  let duplicateExportKeys = 0;
  for (const entry of exp.files) {
    for await (const batch of readExportItems(exp, entry)) {
      for (const item of batch) {
        const key = keyOrRefuse(item, keyNames, opts.tableName, exp.location);
        if (digests.has(key)) duplicateExportKeys++;
        digests.set(key, digest(canonicalItem(item)));
      }
      exportItems += batch.length;
      opts.onProgress?.("export", exportItems);
    }
  }
  return { digests, exportItems, duplicateExportKeys };
}

/** Phase 2: the table scanned against the digests; matched keys are removed, so what is left is missing. */
async function matchTable(expected: Map<string, string>, keyNames: string[], sample: number, opts: CompareOptions) {
  const r = { extra: [] as string[], different: [] as string[], extraCount: 0, differentCount: 0, matching: 0 };
  let tableItems = 0;
  await parallelScan({
    client: opts.client,
    tableName: opts.tableName,
    totalSegments: opts.segments ?? 8,
    ...(opts.retry === undefined ? {} : { retry: opts.retry }),
    wire: "items",
    onPage: ({ wireItems }) => {
      for (const wireItem of wireItems) {
        tableItems++;
        const item = decodeWireItem(wireItem, `table ${opts.tableName}`);
        const key = itemKeyString(item, keyNames);
        const want = expected.get(key);
        if (want === undefined) {
          r.extraCount++;
          if (r.extra.length < sample) r.extra.push(key);
          continue;
        }
        expected.delete(key);
        if (want === digest(canonicalItem(item))) r.matching++;
        else if (++r.differentCount <= sample) r.different.push(key);
      }
      opts.onProgress?.("table", tableItems);
    },
  });
  return { ...r, tableItems };
}
