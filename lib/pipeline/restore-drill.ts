/**
 * The restore drill: proves the newest verified full export of a table can be restored. It imports the export's data
 * files into a scratch table with DynamoDB's ImportTable (the same path a real restore from S3 takes), waits, compares
 * the imported count with the manifest and a random sample of items attribute by attribute, records how long it took
 * (the RTO of a restore from export) in a report and a metric, and deletes the scratch table — also after a failure.
 */
import {
  DeleteTableCommand,
  DescribeImportCommand,
  DescribeTableCommand,
  ImportTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { DATA_DIR } from "../export-format/constants";
import { readExportItems, openExport, type OpenedExport } from "../export-format/export-reader";
import { canonicalItem, itemKey, itemKeyString, type Item } from "../export-format/item-codec";
import { keyAttributeNames, schemaFromDescription, type TableSchema } from "../export-format/schema";
import { openStore } from "../export-format/store";
import { METRIC } from "./config";
import { getItemWire } from "../table-io/wire";
import { PipelineError, truncate } from "./errors";
import { drillReportKey } from "./layout";
import { emitMetrics, type LineWriter } from "./metrics";
import { readPointer } from "./pointers";
import type { ExportJob, ExportPointer } from "./types";

/** The sample is drawn from at least this many times its size in items (random files, reservoir sampling)... */
export const SAMPLE_POOL_FACTOR = 4;
/** ...and reading stops after this many items, however small the sample (bounded time on huge exports). */
export const SAMPLE_MAX_ITEMS_READ = 200_000;

export interface DrillState {
  readonly table: string;
  readonly scratchTableName: string;
  readonly importArn: string;
  readonly status: "IN_PROGRESS" | "COMPLETED";
  readonly startedAt: string;
  readonly importEndedAt: string | null;
  readonly pointer: ExportPointer;
  readonly importedItemCount: number | null;
  readonly errorCount: number | null;
  /** Set by the compare step. */
  readonly reportKey: string | null;
}

export interface DrillSettings {
  readonly deployment: string;
  /** Every scratch table's name starts with this (the IAM policy allows nothing else). */
  readonly scratchTablePrefix: string;
  readonly sampleSize: number;
  readonly now?: () => Date;
  readonly writeMetrics?: LineWriter;
  /** Random numbers for the sample. @default Math.random */
  readonly random?: () => number;
}

export interface DrillReport {
  readonly status: "PASSED" | "FAILED";
  readonly table: string;
  readonly sourceTableName: string;
  readonly scratchTableName: string;
  readonly export: ExportPointer;
  readonly importArn: string;
  readonly startedAt: string;
  readonly importEndedAt: string | null;
  readonly comparedAt: string;
  /** Seconds from the start of the drill until the scratch table held the data: the RTO of a restore from export. */
  readonly restoreSeconds: number;
  readonly expectedItemCount: number;
  readonly importedItemCount: number | null;
  readonly importErrorCount: number | null;
  readonly sampleSize: number;
  readonly sampleMismatches: readonly string[];
  readonly problems: readonly string[];
}

/** `<prefix><table>-<yyyymmddhhmmss>`, lowercase-free of characters DynamoDB refuses. */
export function scratchTableName(prefix: string, table: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:TZ]/g, "")
    .slice(0, 14);
  return `${prefix}${table}-${stamp}`;
}

function drillJob(job: ExportJob): void {
  if (job.method !== "DRILL") throw new PipelineError("InvalidPipelineInput", `job for ${job.table} is not a DRILL`);
}

/** Finds the newest verified full export and starts ImportTable into a scratch table with the source's keys and GSIs. */
export async function startDrill(
  dynamo: DynamoDBClient,
  s3: S3Client,
  job: ExportJob,
  settings: DrillSettings,
): Promise<DrillState> {
  drillJob(job);
  const now = (settings.now ?? (() => new Date()))();
  const pointer = await readPointer(s3, job.bucket, job.table, "latest-verified-full");
  if (pointer === undefined) {
    throw new PipelineError(
      "NoVerifiedExport",
      `no verified full export of ${job.tableName} (${job.table}) exists in s3://${job.bucket}/ to drill with: the export pipeline has not completed a verified full export of it yet`,
    );
  }
  const described = await dynamo.send(new DescribeTableCommand({ TableName: job.tableName }));
  if (described.Table === undefined) throw new Error(`DescribeTable ${job.tableName} returned nothing`);
  const schema = schemaFromDescription(described.Table);
  const name = scratchTableName(settings.scratchTablePrefix, job.table, now);
  const gsis: GlobalSecondaryIndex[] | undefined = schema.table.GlobalSecondaryIndexes?.map((g) => ({
    IndexName: g.IndexName,
    KeySchema: g.KeySchema,
    Projection: g.Projection,
  }));
  const res = await dynamo.send(
    new ImportTableCommand({
      ClientToken: job.clientToken,
      S3BucketSource: { S3Bucket: job.bucket, S3KeyPrefix: `${pointer.exportDir}/${DATA_DIR}/` },
      InputFormat: "DYNAMODB_JSON",
      InputCompressionType: "GZIP",
      TableCreationParameters: {
        TableName: name,
        AttributeDefinitions: schema.table.AttributeDefinitions,
        KeySchema: schema.table.KeySchema,
        BillingMode: "PAY_PER_REQUEST",
        ...(gsis === undefined || gsis.length === 0 ? {} : { GlobalSecondaryIndexes: gsis }),
      },
    }),
  );
  const importArn = res.ImportTableDescription?.ImportArn;
  if (importArn === undefined) throw new Error(`ImportTable into ${name} returned no import ARN`);
  return {
    table: job.table,
    scratchTableName: name,
    importArn,
    status: "IN_PROGRESS",
    startedAt: now.toISOString(),
    importEndedAt: null,
    pointer,
    importedItemCount: null,
    errorCount: null,
    reportKey: null,
  };
}

/** DescribeImport: COMPLETED or IN_PROGRESS, or RestoreDrillImportFailed with DynamoDB's reason. */
export async function pollDrill(
  dynamo: DynamoDBClient,
  job: ExportJob,
  drill: DrillState,
  now: Date = new Date(),
): Promise<DrillState> {
  const res = await dynamo.send(new DescribeImportCommand({ ImportArn: drill.importArn }));
  const d = res.ImportTableDescription;
  if (d === undefined) throw new Error(`DescribeImport ${drill.importArn} returned nothing`);
  if (d.ImportStatus === "FAILED" || d.ImportStatus === "CANCELLED" || d.ImportStatus === "CANCELLING") {
    throw new PipelineError(
      "RestoreDrillImportFailed",
      truncate(
        `restore drill of ${job.tableName} (${job.table}): ImportTable ${drill.importArn} into ${drill.scratchTableName} is ${d.ImportStatus}: ${d.FailureCode ?? "no code"}: ${d.FailureMessage ?? "no message"} (export ${drill.pointer.exportDir})`,
      ),
    );
  }
  const completed = d.ImportStatus === "COMPLETED";
  return {
    ...drill,
    status: completed ? "COMPLETED" : "IN_PROGRESS",
    importEndedAt: completed ? (d.EndTime?.toISOString() ?? now.toISOString()) : null,
    importedItemCount: d.ImportedItemCount ?? null,
    errorCount: d.ErrorCount ?? null,
  };
}

/** Draws `size` items (fewer only if the export is smaller) from random data files by reservoir sampling. */
async function sampleItems(exp: OpenedExport, size: number, random: () => number): Promise<Item[]> {
  const files = [...exp.files].filter((f) => f.itemCount > 0);
  for (let i = files.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [files[i], files[j]] = [files[j]!, files[i]!];
  }
  const sample: Item[] = [];
  let seen = 0;
  for (const entry of files) {
    for await (const batch of readExportItems(exp, entry)) {
      for (const item of batch) {
        seen++;
        if (sample.length < size) sample.push(item);
        else {
          const j = Math.floor(random() * seen);
          if (j < size) sample[j] = item;
        }
      }
    }
    if (seen >= size * SAMPLE_POOL_FACTOR || seen >= SAMPLE_MAX_ITEMS_READ) break;
  }
  return sample;
}

/** What ImportTable itself reported that is wrong: rejected lines, or another item count than the manifest's. */
function importProblems(drill: DrillState): string[] {
  const problems: string[] = [];
  if (drill.errorCount !== null && drill.errorCount > 0) {
    problems.push(
      `ImportTable rejected ${drill.errorCount} line(s) of the export (see its CloudWatch log group /aws-dynamodb/imports)`,
    );
  }
  if (drill.importedItemCount !== drill.pointer.itemCount) {
    problems.push(
      `the scratch table got ${drill.importedItemCount ?? "an unknown number of"} items but the export's manifest says ${drill.pointer.itemCount}`,
    );
  }
  return problems;
}

/** Where an export lives and which table should hold its items. */
export interface ExportSampleTarget {
  readonly bucket: string;
  /** The export folder (holds manifest-summary.json), as a pointer names it. */
  readonly exportDir: string;
  /** The table the export's items are read back from. */
  readonly tableName: string;
  readonly sampleSize: number;
  /** @default Math.random */
  readonly random?: () => number;
}

/**
 * Reads a random sample of an export's items back from a table (the restore drill's scratch table, or a table AWS
 * Backup restored); returns the keys that are missing or differ, attribute by attribute.
 */
export async function compareExportSample(
  dynamo: DynamoDBClient,
  s3: S3Client,
  target: ExportSampleTarget,
): Promise<{ sampleSize: number; mismatches: string[] }> {
  const exp = await openExport(
    openStore({ kind: "s3", bucket: target.bucket, prefix: target.exportDir }, s3).location,
    { s3 },
  );
  const described = await dynamo.send(new DescribeTableCommand({ TableName: target.tableName }));
  if (described.Table === undefined) throw new Error(`DescribeTable ${target.tableName} returned nothing`);
  const schema: TableSchema = schemaFromDescription(described.Table);
  const keys = keyAttributeNames(schema);
  const sample = await sampleItems(exp, target.sampleSize, target.random ?? Math.random);
  const mismatches: string[] = [];
  for (const item of sample) {
    // Read in wire form: the SDK's deserializer would drop an attribute named "__proto__" (lib/table-io/wire.ts).
    const got = await getItemWire(dynamo, {
      TableName: target.tableName,
      Key: itemKey(item, keys),
      ConsistentRead: true,
    });
    const keyText = itemKeyString(item, keys);
    if (got === undefined) mismatches.push(`${keyText}: missing from ${target.tableName}`);
    else if (canonicalItem(got) !== canonicalItem(item)) mismatches.push(`${keyText}: differs from the export`);
  }
  return { sampleSize: sample.length, mismatches };
}

/** Compares the scratch table with the export; writes the report and the metrics; throws RestoreDrillMismatch on a difference. */
export async function compareDrill(
  dynamo: DynamoDBClient,
  s3: S3Client,
  job: ExportJob,
  drill: DrillState,
  settings: DrillSettings,
): Promise<DrillState> {
  const now = (settings.now ?? (() => new Date()))();
  const problems = importProblems(drill);
  const { sampleSize, mismatches } = await compareExportSample(dynamo, s3, {
    bucket: job.bucket,
    exportDir: drill.pointer.exportDir,
    tableName: drill.scratchTableName,
    sampleSize: settings.sampleSize,
    random: settings.random,
  });
  if (mismatches.length > 0) problems.push(`${mismatches.length} of ${sampleSize} sampled items do not match`);
  const importEnd = new Date(drill.importEndedAt ?? now.toISOString()).getTime();
  const restoreSeconds = Math.max(0, Math.round((importEnd - new Date(drill.startedAt).getTime()) / 1000));
  const reportKey = drillReportKey(job.table, drill.startedAt);
  const report: DrillReport = {
    status: problems.length === 0 ? "PASSED" : "FAILED",
    table: job.table,
    sourceTableName: job.tableName,
    scratchTableName: drill.scratchTableName,
    export: drill.pointer,
    importArn: drill.importArn,
    startedAt: drill.startedAt,
    importEndedAt: drill.importEndedAt,
    comparedAt: now.toISOString(),
    restoreSeconds,
    expectedItemCount: drill.pointer.itemCount,
    importedItemCount: drill.importedItemCount,
    importErrorCount: drill.errorCount,
    sampleSize,
    sampleMismatches: mismatches.slice(0, 100),
    problems,
  };
  await openStore({ kind: "s3", bucket: job.bucket, prefix: "" }, s3).writeText(
    reportKey,
    `${JSON.stringify(report, null, 2)}\n`,
  );
  emitMetrics(
    settings.deployment,
    job.table,
    [
      { name: METRIC.restoreDrillSeconds, unit: "Seconds", value: restoreSeconds },
      { name: METRIC.restoreDrillSuccess, unit: "Count", value: problems.length === 0 ? 1 : 0 },
    ],
    settings.writeMetrics,
  );
  if (problems.length > 0) throw drillMismatch(job, drill, report, reportKey);
  return { ...drill, reportKey };
}

function drillMismatch(job: ExportJob, drill: DrillState, report: DrillReport, reportKey: string): PipelineError {
  const shown = report.sampleMismatches.slice(0, 20).map((m) => `  - ${m}`);
  return new PipelineError(
    "RestoreDrillMismatch",
    truncate(
      `restore drill of ${job.tableName} (${job.table}) from ${drill.pointer.exportDir} FAILED: ${report.problems.join("; ")}. Report: s3://${job.bucket}/${reportKey}\n${shown.join("\n")}`,
    ),
  );
}

/** Deletes the scratch table (only a table named like a scratch table); a table already gone is fine. */
export async function cleanUpDrill(
  dynamo: DynamoDBClient,
  drill: Pick<DrillState, "scratchTableName"> | undefined,
  settings: Pick<DrillSettings, "scratchTablePrefix">,
): Promise<{ deleted: string | null }> {
  const name = drill?.scratchTableName;
  if (name === undefined) return { deleted: null };
  if (!name.startsWith(settings.scratchTablePrefix)) {
    throw new PipelineError(
      "InvalidPipelineInput",
      `refusing to delete ${name}: restore drills only delete their scratch tables, named ${settings.scratchTablePrefix}…`,
    );
  }
  try {
    await dynamo.send(new DeleteTableCommand({ TableName: name }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return { deleted: null };
    throw err;
  }
  return { deleted: name };
}
