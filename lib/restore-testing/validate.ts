/**
 * Validates a table AWS Backup restored during a restore test: compares it with the table's latest verified full
 * export (the pipeline's pointer, lib/pipeline/pointers.ts) — the item count, and a random sample of the export's items
 * read back from the restored table attribute by attribute (the restore drill's comparison,
 * lib/pipeline/restore-drill.ts). Every finding is a FAILED result naming what differs; nothing here throws on a bad
 * table.
 */
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { pointerKey } from "../pipeline/layout";
import { readPointer } from "../pipeline/pointers";
import { compareExportSample } from "../pipeline/restore-drill";
import type { ExportPointer } from "../pipeline/types";
import type { ValidationStatus } from "./backup-api";
import { MISMATCHES_NAMED } from "./config";
import { tableNameOf } from "./event";

export interface RestoreTestSettings {
  readonly deployment: string;
  readonly bucket: string;
  /** Source table ARN → catalog name. */
  readonly tables: ReadonlyMap<string, string>;
  readonly sampleSize: number;
  readonly alarmTopicArn?: string;
  /** @default Math.random */
  readonly random?: () => number;
}

export interface RestoreTestTarget {
  readonly restoredTableArn: string;
  readonly sourceTableArn: string;
}

export interface RestoreTestResult {
  readonly status: ValidationStatus;
  /** One paragraph: what was compared and what differs. */
  readonly message: string;
  readonly restoredTable: string;
  readonly sourceTable: string;
  readonly catalogName?: string;
  readonly export?: ExportPointer;
  readonly restoredItemCount?: number;
  readonly sampleSize?: number;
  readonly mismatches: readonly string[];
}

/** Items in a table, by a paginated COUNT scan (DescribeTable's ItemCount is refreshed only every few hours). */
export async function countItems(dynamo: DynamoDBClient, tableName: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: tableName, Select: "COUNT", ExclusiveStartKey: start as never }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
}

function failed(
  base: Omit<RestoreTestResult, "status" | "message" | "mismatches">,
  message: string,
): RestoreTestResult {
  return { ...base, status: "FAILED", message, mismatches: [] };
}

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}

export async function validateRestoredTable(
  clients: { readonly dynamo: DynamoDBClient; readonly s3: S3Client },
  target: RestoreTestTarget,
  settings: RestoreTestSettings,
): Promise<RestoreTestResult> {
  const restoredTable = tableNameOf(target.restoredTableArn);
  const sourceTable = tableNameOf(target.sourceTableArn);
  const base = { restoredTable, sourceTable };
  const catalogName = settings.tables.get(target.sourceTableArn);
  if (catalogName === undefined) {
    return failed(
      base,
      `restored table ${restoredTable} comes from ${target.sourceTableArn}, which is not one of deployment "${settings.deployment}"'s restore-tested tables (${[...settings.tables.values()].join(", ")}); nothing to compare it with`,
    );
  }
  const named = { ...base, catalogName };
  let pointer: ExportPointer | undefined;
  try {
    pointer = await readPointer(clients.s3, settings.bucket, catalogName, "latest-verified-full");
  } catch (err) {
    return failed(
      named,
      `could not read s3://${settings.bucket}/${pointerKey(catalogName, "latest-verified-full")}: ${errorText(err)}`,
    );
  }
  if (pointer === undefined) {
    return failed(
      named,
      `no verified full export of ${sourceTable} (${catalogName}) in s3://${settings.bucket}/ to compare restored table ${restoredTable} with: the export pipeline has not verified a full export of it yet (s3://${settings.bucket}/${pointerKey(catalogName, "latest-verified-full")} is missing)`,
    );
  }
  return compareWithExport(clients, { ...named, export: pointer }, settings);
}

async function compareWithExport(
  clients: { readonly dynamo: DynamoDBClient; readonly s3: S3Client },
  base: Omit<RestoreTestResult, "status" | "message" | "mismatches"> & { readonly export: ExportPointer },
  settings: RestoreTestSettings,
): Promise<RestoreTestResult> {
  const exp = base.export;
  const against = `the latest verified full export ${exp.exportDir} (data as of ${exp.dataTime}, ${exp.itemCount} items)`;
  let count: number;
  let sample: { sampleSize: number; mismatches: string[] };
  try {
    count = await countItems(clients.dynamo, base.restoredTable);
    sample = await compareExportSample(clients.dynamo, clients.s3, {
      bucket: settings.bucket,
      exportDir: exp.exportDir,
      tableName: base.restoredTable,
      sampleSize: settings.sampleSize,
      random: settings.random,
    });
  } catch (err) {
    return failed(base, `could not compare restored table ${base.restoredTable} with ${against}: ${errorText(err)}`);
  }
  const problems: string[] = [];
  if (count !== exp.itemCount) problems.push(`it holds ${count} items, the export ${exp.itemCount}`);
  if (sample.mismatches.length > 0) {
    const shown = sample.mismatches.slice(0, MISMATCHES_NAMED).join("; ");
    const more =
      sample.mismatches.length > MISMATCHES_NAMED ? `; and ${sample.mismatches.length - MISMATCHES_NAMED} more` : "";
    problems.push(`${sample.mismatches.length} of ${sample.sampleSize} sampled items differ: ${shown}${more}`);
  }
  const result = { ...base, restoredItemCount: count, sampleSize: sample.sampleSize, mismatches: sample.mismatches };
  if (problems.length > 0) {
    return {
      ...result,
      status: "FAILED",
      message: `restored table ${base.restoredTable} (from ${base.sourceTable}) does not match ${against}: ${problems.join("; ")}`,
    };
  }
  return {
    ...result,
    status: "SUCCESSFUL",
    message: `restored table ${base.restoredTable} (from ${base.sourceTable}) matches ${against}: ${count} items, ${sample.sampleSize} sampled items identical`,
  };
}
