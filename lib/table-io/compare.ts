/**
 * Compares an export with a live table, item by item (by primary key): which keys are missing from the table, which
 * are in the table but not the export, and which differ. Memory stays flat: the key and a 16-byte digest of every item
 * go into DuckDB (./compare-store.ts), which keeps them within its memory limit and spills to a temp folder.
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
import type { EngineSettings } from "../engine/duckdb";
import { openDigestSets, type DigestSets } from "./compare-store";
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
  /** DuckDB's memory limit and spill folder for the comparison. @default 1GB, the system's temp folder */
  readonly engine?: Partial<EngineSettings>;
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
  const sets = await openDigestSets(opts.engine);
  try {
    const exportItems = await addExport(exp, sets, keyNames, opts);
    const tableItems = await addTable(sets, keyNames, opts);
    const r = await sets.compare(opts.sampleKeys ?? DEFAULT_SAMPLE_KEYS);
    return {
      ok: r.missingCount === 0 && r.extraCount === 0 && r.differentCount === 0 && r.duplicateExportKeys === 0,
      tableName: opts.tableName,
      exportItems,
      tableItems,
      ...r,
    };
  } finally {
    await sets.close();
  }
}

/** Phase 1: key and digest of every exported item. */
async function addExport(
  exp: OpenedExport,
  sets: DigestSets,
  keyNames: string[],
  opts: CompareOptions,
): Promise<number> {
  let exportItems = 0;
  for (const entry of exp.files) {
    for await (const batch of readExportItems(exp, entry)) {
      for (const item of batch) {
        sets.add("e", keyOrRefuse(item, keyNames, opts.tableName, exp.location), digest(canonicalItem(item)));
      }
      exportItems += batch.length;
      opts.onProgress?.("export", exportItems);
    }
  }
  return exportItems;
}

/** Phase 2: key and digest of every item of the table. */
async function addTable(sets: DigestSets, keyNames: string[], opts: CompareOptions): Promise<number> {
  let tableItems = 0;
  await parallelScan({
    client: opts.client,
    tableName: opts.tableName,
    totalSegments: opts.segments ?? 8,
    ...(opts.retry === undefined ? {} : { retry: opts.retry }),
    wire: "items",
    onPage: ({ wireItems }) => {
      for (const wireItem of wireItems) {
        const item = decodeWireItem(wireItem, `table ${opts.tableName}`);
        sets.add("t", itemKeyString(item, keyNames), digest(canonicalItem(item)));
      }
      tableItems += wireItems.length;
      opts.onProgress?.("table", tableItems);
    },
  });
  return tableItems;
}
