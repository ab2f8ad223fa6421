/**
 * restore: export files (ours, or an AWS Export to S3) → a DynamoDB table, optionally creating the table first.
 */
import { dynamoClient } from "../../lib/aws";
import {
  intFlag,
  optionalString,
  requireString,
  type CommandContext,
  type CommandSpec,
  type ParsedValues,
} from "../../lib/cli/command";
import { join } from "node:path";
import { withInterruptNote } from "../../lib/cli/interrupt";
import { Progress } from "../../lib/cli/progress";
import { confirm } from "../../lib/cli/prompt";
import { checkTableNameFlag } from "../../lib/dr/names";
import { UsageError } from "../../lib/errors";
import { formatLocation } from "../../lib/export-format";
import { locationFlag, rateFlag } from "../../lib/table-io/cli";
import {
  DEFAULT_RESTORE_CONCURRENCY,
  restoreTable,
  type RestoreOptions,
  type RestoreResult,
} from "../../lib/table-io/restore";
import { checkWritableFile, checkWritableFolder, withLocationErrors } from "../../lib/writable";
import { RestoreViaImportResult, renderRestoreViaImport, restoreViaImport, viaFlag } from "./restore-import";

/** Most BatchWriteItem requests in flight --concurrency accepts. */
export const MAX_RESTORE_CONCURRENCY = 256;

export interface RestoreCommandOptions {
  /** Folder or s3://bucket/prefix of the export (AWS's `…/AWSDynamoDB/<id>/` is found below a prefix). */
  readonly source: string;
  readonly table: string;
  /** @default false */
  readonly createTable?: boolean;
  /** @default DEFAULT_RESTORE_CONCURRENCY */
  readonly concurrency?: number;
  readonly writeRate?: number;
  /** @default false */
  readonly resume?: boolean;
  /** @default false */
  readonly skipVerify?: boolean;
  /** @default `.dynamo-dr/restore-<table>-<hash>.json` in the working directory */
  readonly checkpoint?: string;
  /** @default false */
  readonly yes?: boolean;
  /** @default false */
  readonly quiet?: boolean;
}

export interface RestoreCommandResult extends RestoreResult {
  readonly command: "restore-files";
}

/** Restores; checks the checkpoint's path before anything else (before any AWS call or CreateTable). */
export async function restore(
  opts: RestoreCommandOptions,
  ctx: Pick<CommandContext, "stderr" | "stdin" | "cwd"> = {
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
  },
): Promise<RestoreCommandResult> {
  const table = checkTableNameFlag("--table", opts.table);
  const source = locationFlag("<source>", opts.source, ctx.cwd);
  const checkpoint =
    opts.checkpoint === undefined ? undefined : await checkWritableFile("--checkpoint", opts.checkpoint);
  if (checkpoint === undefined) await checkWritableFolder("--checkpoint (default)", join(ctx.cwd, ".dynamo-dr"));
  const bar = new Progress({ label: `restore ${table}`, stream: ctx.stderr, silent: opts.quiet === true });
  const resume = `dynamo-dr restore-files ${formatLocation(source)} --table ${table} --resume${checkpoint === undefined ? "" : ` --checkpoint ${checkpoint}`}`;
  const interrupted = (): string => `restore into ${table} stopped part-way. Resume it with:\n  ${resume}`;
  const result = await withInterruptNote(ctx.stderr, interrupted, () =>
    withLocationErrors("<source>", source, () =>
      restoreTable({
        client: dynamoClient(),
        source,
        tableName: table,
        createTable: opts.createTable === true,
        concurrency: opts.concurrency ?? DEFAULT_RESTORE_CONCURRENCY,
        ...(opts.writeRate === undefined ? {} : { writeRate: opts.writeRate }),
        resume: opts.resume === true,
        verifyFirst: opts.skipVerify !== true,
        ...(checkpoint === undefined ? {} : { checkpointPath: checkpoint }),
        cwd: ctx.cwd,
        ...progressCallbacks(opts, ctx, bar),
      }),
    ),
  );
  bar.finish(`${result.writtenItems.toLocaleString("en-US")} items written`);
  return { command: "restore-files", ...result };
}

type RestoreCallbacks = Pick<
  RestoreOptions,
  "confirmNonEmpty" | "onVerifyProgress" | "onStart" | "onProgress" | "onNote"
>;

/** The confirmation and the progress lines (verify files, then items) on stderr. */
function progressCallbacks(
  opts: RestoreCommandOptions,
  ctx: Pick<CommandContext, "stderr" | "stdin">,
  bar: Progress,
): RestoreCallbacks {
  const silent = opts.quiet === true;
  let verifyBar: Progress | undefined;
  return {
    confirmNonEmpty: (question) => confirm(question, { yes: opts.yes === true, input: ctx.stdin, output: ctx.stderr }),
    onVerifyProgress: (done, total) => {
      verifyBar ??= new Progress({ label: "verify files", total, unit: "files", stream: ctx.stderr, silent });
      verifyBar.set(done);
      if (done === total) verifyBar.finish("ok");
    },
    onStart: ({ totalItems, skippedItems }) => {
      bar.setTotal(totalItems);
      bar.set(skippedItems);
    },
    onProgress: (n) => bar.set(n),
    onNote: (m) => {
      if (!silent) ctx.stderr.write(`note: ${m}\n`);
    },
  };
}

export function restoreOptionsFromFlags(values: ParsedValues, positionals: string[]): RestoreCommandOptions {
  const source = positionals[0];
  if (source === undefined || source === "") {
    throw new UsageError("<source> is required: the backup folder or s3://bucket/prefix to restore from. See --help.");
  }
  const rate = rateFlag("write-rate", optionalString(values, "write-rate"));
  const checkpoint = optionalString(values, "checkpoint");
  return {
    source,
    table: requireString(values, "table"),
    createTable: values["create-table"] === true,
    concurrency: intFlag(values, "concurrency", DEFAULT_RESTORE_CONCURRENCY, 1, MAX_RESTORE_CONCURRENCY),
    ...(rate === undefined ? {} : { writeRate: rate }),
    resume: values.resume === true,
    skipVerify: values["skip-verify"] === true,
    ...(checkpoint === undefined ? {} : { checkpoint }),
    yes: values.yes === true,
    quiet: values.quiet === true,
  };
}

export function renderRestore(r: RestoreCommandResult): string {
  return [
    `Restored ${r.writtenItems.toLocaleString("en-US")} of ${r.expectedItems.toLocaleString("en-US")} items into ${r.tableName}${r.created ? " (table created, on-demand)" : ""}${r.skippedItems > 0 ? `; ${r.skippedItems.toLocaleString("en-US")} were already written by an earlier run` : ""}.`,
    `  source:    ${r.source} (${r.files} data file(s)${r.verified ? ", verified before writing" : ", NOT verified (--skip-verify)"})`,
    `  took:      ${(r.durationMs / 1000).toFixed(1)} s, ${r.itemsPerSecond.toLocaleString("en-US")} items/s, ${r.retries} retried request(s)`,
    ...(r.ttlAttribute === null ? [] : [`  TTL:       enabled on ${r.ttlAttribute}`]),
    `Compare with the backup: dynamo-dr verify ${r.source} --table ${r.tableName}`,
  ].join("\n");
}

export const restoreCommand: CommandSpec<RestoreCommandResult | RestoreViaImportResult> = {
  name: "restore-files",
  summary: "Restore a table from backup files or an AWS export (local folder or s3://bucket/prefix).",
  usage:
    "<source> --table <name> [--create-table] [--concurrency N] [--write-rate <items/s>] [--resume] [--skip-verify] [--yes] | <s3 source> --table <new> --via import-table",
  positionals: ["<source>"],
  details: [
    "<source> is a backup folder, s3://bucket/prefix, or the S3 prefix given to ExportTableToPointInTime (the export",
    "under AWSDynamoDB/<exportId>/ is found). Every data file's md5 and count is verified BEFORE the first write.",
    "Items go in with BatchWriteItem (25 per request, --concurrency in flight); UnprocessedItems, throttling and 5xx",
    "are retried with backoff and jitter. At the end the written count must equal the manifest's itemCount, or the",
    "command fails saying how many are missing and how to resume. Writes are upserts: re-running is safe.",
    "--create-table builds the table from schema.json: on-demand billing, GSIs and LSIs, stream; TTL is enabled",
    "after the data is in. Writing into a table that already has items asks first (or pass --yes).",
    "AWS settings come from the SDK's standard configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …).",
    "",
    "Examples:",
    "  dynamo-dr restore-files s3://my-backups/granules/2025-01-31 --table prod-GranulesTable-restored --create-table",
    "  dynamo-dr restore-files s3://my-exports/granules --table prod-GranulesTable --yes    # AWS export, existing table",
    "",
    "Every line is decoded, its key checked and its size checked against DynamoDB's 400 KB item limit in that same",
    "pass, so a damaged backup fails naming the file, line (and key) before the table is created or written. A",
    "table this command created and could not fill is deleted when empty; otherwise the message says what is in it.",
    "Ctrl-C prints the --resume command.",
    "",
    "--via import-table (s3:// sources with schema.json): DynamoDB ImportTable creates the NEW table from schema.json",
    "(with its GSIs) and loads the data itself: no write capacity, no client bandwidth — the path for large tables.",
    "Preflight: at most 50,000 data files, 15 TB, no LSIs, a table that does not exist; every file's md5 and count",
    "is verified first. The imported and error counts must match the manifest, or it fails naming the CloudWatch",
    "log group /aws-dynamodb/imports.",
    "",
    "Exit codes: 0 ok, 2 bad flags or --checkpoint a folder, 3 precondition (table exists with --create-table, key",
    "mismatch, incomplete backup, checkpoint not writable), 4 table, backup or bucket not found, 6 verification",
    "failed or items missing, 8 AWS refused or unreachable, 10 not confirmed, 130 interrupted.",
  ].join("\n"),
  options: {
    table: { type: "string", valueName: "<name>", description: "Table to restore into." },
    "create-table": {
      type: "boolean",
      description: "Create the table from schema.json (on-demand, with GSIs/LSIs, stream, TTL).",
    },
    concurrency: {
      type: "string",
      valueName: "<N>",
      description: `BatchWriteItem requests in flight, 1-${MAX_RESTORE_CONCURRENCY} (default ${DEFAULT_RESTORE_CONCURRENCY}).`,
    },
    "write-rate": {
      type: "string",
      valueName: "<items/s>",
      description: "Limit items written per second (default: no limit).",
    },
    resume: { type: "boolean", description: "Skip data files an interrupted run finished (per its checkpoint)." },
    "skip-verify": {
      type: "boolean",
      description: "Do not verify every file before writing (it is still checked as read).",
    },
    checkpoint: {
      type: "string",
      valueName: "<file>",
      description: "Checkpoint file (default .dynamo-dr/restore-<table>-<hash>.json here).",
    },
    yes: { type: "boolean", short: "y", description: "Do not ask before writing into a table that has items." },
    quiet: { type: "boolean", description: "No progress lines on stderr." },
    via: {
      type: "string",
      valueName: "write|import-table",
      description: "write: BatchWriteItem from here (default); import-table: ImportTable into a new table (S3 only).",
    },
  },
  async run(values, positionals, ctx) {
    if (viaFlag(values) === "import-table") {
      const opts = restoreOptionsFromFlags(values, positionals);
      return restoreViaImport(opts.source, opts.table, ctx);
    }
    return restore(restoreOptionsFromFlags(values, positionals), ctx);
  },
  render: (r) => ("via" in r ? renderRestoreViaImport(r) : renderRestore(r)),
};
