/**
 * `restore-files <s3 source> --table <new> --via import-table`: an export-layout source in S3 loaded by DynamoDB
 * ImportTable into a NEW table — no write capacity, no client bandwidth. Preflight against ImportTable's limits
 * (named below), the table created from schema.json with its GSIs (TableCreationParameters), the import waited for
 * with progress, then its imported and error counts checked against the manifest; TTL and the stream are turned on
 * afterwards as schema.json says.
 */
import {
  DescribeImportCommand,
  DynamoDBClient,
  ImportTableCommand,
  ImportTableCommandInput,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { NotFoundError, PreconditionError, UsageError, VerificationError } from "../errors";
import { DATA_DIR, type OpenedExport, formatLocation, verifyExport } from "../export-format";
import type { ProgressSink } from "../progress-sink";
import { describeTable, waitForTableActive } from "../table-io/tables";

/** ImportTable reads at most this many S3 objects per import (AWS quota). */
export const IMPORT_TABLE_MAX_OBJECTS = 50_000;
/** Total size of the source objects of the imports running at once in a region (AWS quota, 15 TB). */
export const IMPORT_TABLE_MAX_TOTAL_BYTES = 15 * 1024 ** 4;
/** The CloudWatch log group DynamoDB writes import errors to. */
export const IMPORT_LOG_GROUP = "/aws-dynamodb/imports";
/** How often the import is polled. */
const IMPORT_POLL_MS = 5000;

export interface ImportTablePlan {
  readonly input: ImportTableCommandInput;
  readonly objects: number;
  readonly bytes: number;
  readonly expectedItems: number;
}

/** Every problem with importing `exp` into `table`, as plain sentences (empty when it can go ahead). */
export function importTableProblems(exp: OpenedExport, bytes: number): string[] {
  const problems: string[] = [];
  if (exp.store.location.kind !== "s3") {
    problems.push(
      `ImportTable reads only from S3, and ${exp.location} is a local folder: copy it to s3:// first, or restore without --via import-table`,
    );
  }
  if (exp.schema === undefined) {
    problems.push(
      `${exp.location} has no schema.json (an AWS export has none), so the new table's keys and indexes are unknown: restore without --via import-table into a table you created`,
    );
  }
  if ((exp.schema?.table.LocalSecondaryIndexes ?? []).length > 0) {
    problems.push(
      `the table has local secondary indexes, which ImportTable cannot create (and none can be added later): restore without --via import-table`,
    );
  }
  if (exp.files.length > IMPORT_TABLE_MAX_OBJECTS) {
    problems.push(
      `${exp.files.length.toLocaleString("en-US")} data files is more than ImportTable's ${IMPORT_TABLE_MAX_OBJECTS.toLocaleString("en-US")} objects per import: restore without --via import-table`,
    );
  }
  if (bytes > IMPORT_TABLE_MAX_TOTAL_BYTES) {
    problems.push(
      `${bytes.toLocaleString("en-US")} bytes is more than ImportTable's ${IMPORT_TABLE_MAX_TOTAL_BYTES.toLocaleString("en-US")} bytes (15 TB) per region: restore without --via import-table`,
    );
  }
  return problems;
}

/** Preflight: the limits, a new table only, and every data file's md5 and count. Reads only. */
export async function planImportTable(
  client: DynamoDBClient,
  exp: OpenedExport,
  table: string,
): Promise<ImportTablePlan> {
  const listed = await exp.store.list(DATA_DIR);
  const bytes = listed.reduce((n, f) => n + f.size, 0);
  const problems = importTableProblems(exp, bytes);
  if (problems.length > 0) throw new PreconditionError(`--via import-table: ${problems.join("; ")}.`);
  if ((await describeTable(client, table)) !== undefined) {
    throw new PreconditionError(
      `--via import-table: table "${table}" already exists; ImportTable creates a NEW table: choose another --table, or restore into it without --via import-table`,
    );
  }
  const report = await verifyExport(exp);
  if (!report.ok) {
    throw new VerificationError(
      `export at ${exp.location} failed verification (${report.problemCount} problem(s)):\n${report.problems.map((p) => `  - ${p}`).join("\n")}\nNo import was started.`,
    );
  }
  const loc = exp.store.location;
  if (loc.kind !== "s3" || exp.schema === undefined)
    throw new UsageError("--via import-table needs an S3 export with schema.json");
  const t = exp.schema.table;
  return {
    input: {
      S3BucketSource: {
        S3Bucket: loc.bucket,
        S3KeyPrefix: loc.prefix === "" ? `${DATA_DIR}/` : `${loc.prefix}/${DATA_DIR}/`,
      },
      InputFormat: "DYNAMODB_JSON",
      InputCompressionType: "GZIP",
      TableCreationParameters: {
        TableName: table,
        AttributeDefinitions: t.AttributeDefinitions,
        KeySchema: t.KeySchema,
        BillingMode: "PAY_PER_REQUEST",
        ...(t.GlobalSecondaryIndexes === undefined ? {} : { GlobalSecondaryIndexes: t.GlobalSecondaryIndexes }),
      },
    },
    objects: exp.files.length,
    bytes,
    expectedItems: report.manifestItemCount,
  };
}

export interface ImportTableResult {
  readonly importArn: string;
  readonly tableName: string;
  readonly expectedItems: number;
  readonly importedItems: number;
  readonly errorCount: number;
  readonly seconds: number;
  readonly ttlAttribute: string | null;
}

async function pollImport(
  client: DynamoDBClient,
  arn: string,
  opts: { readonly timeoutMs: number; readonly pollMs?: number; readonly progress?: ProgressSink },
) {
  const deadline = Date.now() + opts.timeoutMs;
  let reported = 0;
  for (;;) {
    const d = (await client.send(new DescribeImportCommand({ ImportArn: arn }))).ImportTableDescription;
    const processed = d?.ProcessedItemCount ?? 0;
    opts.progress?.add(Math.max(processed - reported, 0));
    reported = Math.max(processed, reported);
    if (d?.ImportStatus !== "IN_PROGRESS" && d?.ImportStatus !== undefined) return d;
    if (Date.now() > deadline) {
      throw new PreconditionError(
        `import ${arn} still IN_PROGRESS; it goes on in AWS (aws dynamodb describe-import --import-arn ${arn})`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? IMPORT_POLL_MS));
  }
}

/** Runs the import, waits, checks the counts against the manifest, then TTL and stream as schema.json says. */
export async function runImportTable(
  client: DynamoDBClient,
  exp: OpenedExport,
  plan: ImportTablePlan,
  opts: { readonly timeoutMs: number; readonly pollMs?: number; readonly progress?: ProgressSink },
): Promise<ImportTableResult> {
  const started = Date.now();
  const table = plan.input.TableCreationParameters?.TableName ?? "";
  const res = await client.send(new ImportTableCommand(plan.input));
  const arn = res.ImportTableDescription?.ImportArn ?? "";
  const d = await pollImport(client, arn, opts);
  const imported = d.ImportedItemCount ?? 0;
  const errors = d.ErrorCount ?? 0;
  if (d.ImportStatus !== "COMPLETED" || errors > 0 || imported !== plan.expectedItems) {
    throw new VerificationError(
      `ImportTable into "${table}" ended ${d.ImportStatus ?? "?"}: ${imported.toLocaleString("en-US")} of ${plan.expectedItems.toLocaleString("en-US")} items imported (the manifest's count), ${errors.toLocaleString("en-US")} error(s)${d.FailureMessage === undefined ? "" : ` (${d.FailureCode ?? ""} ${d.FailureMessage})`}. Read the CloudWatch log group ${IMPORT_LOG_GROUP} for the failed items (import ${arn}). The table "${table}" is left as it is: delete it before trying again.`,
    );
  }
  const active = await waitForTableActive(client, table, opts);
  if (active === undefined) throw new NotFoundError(`table "${table}" is not ACTIVE after the import`);
  const schema = exp.schema;
  const stream = schema?.table.StreamSpecification;
  if (stream?.StreamEnabled === true) {
    await client.send(new UpdateTableCommand({ TableName: table, StreamSpecification: stream }));
  }
  const ttl = schema?.timeToLive?.attributeName ?? null;
  if (ttl !== null) {
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: ttl } }),
    );
  }
  return {
    importArn: arn,
    tableName: table,
    expectedItems: plan.expectedItems,
    importedItems: imported,
    errorCount: errors,
    seconds: (Date.now() - started) / 1000,
    ttlAttribute: ttl,
  };
}

/** The source as the message names it. */
export function importSource(exp: OpenedExport): string {
  return formatLocation(exp.store.location);
}
