/**
 * backup: table → files in DynamoDB's export layout (a local folder or s3://bucket/prefix), by parallel scan.
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
import { UsageError } from "../../lib/errors";
import { withInterruptNote } from "../../lib/cli/interrupt";
import { Progress } from "../../lib/cli/progress";
import { checkTableNameFlag, utcStamp } from "../../lib/dr/names";
import { BYTES_PER_MIB, DEFAULT_MAX_FILE_BYTES, formatLocation, type ExportLocation } from "../../lib/export-format";
import {
  backupTable,
  DEFAULT_PAGE_SIZE,
  DEFAULT_SEGMENTS,
  MAX_SEGMENTS_IN_FLIGHT,
  type BackupResult,
} from "../../lib/table-io/backup";
import { locationFlag, rateFlag } from "../../lib/table-io/cli";
import { MAX_TOTAL_SEGMENTS } from "../../lib/table-io/scan";
import { checkWritableFolder, withLocationErrors } from "../../lib/writable";

/** Largest data file (uncompressed MiB) --max-file-mb accepts. */
export const MAX_FILE_MB_LIMIT = 4096;
export const DEFAULT_MAX_FILE_MB = DEFAULT_MAX_FILE_BYTES / BYTES_PER_MIB;
/** Largest --page-size accepted (a Scan page also stops at 1 MB). */
export const MAX_PAGE_SIZE = 100_000;

export interface BackupCommandOptions {
  readonly table: string;
  /** Folder or s3://bucket/prefix. @default `backups/<table>-<UTC timestamp>` under the working directory */
  readonly out?: string;
  /** @default DEFAULT_SEGMENTS */
  readonly segments?: number;
  /** Items per second. @default - unlimited */
  readonly readRate?: number;
  /** @default false */
  readonly consistent?: boolean;
  /** @default false */
  readonly resume?: boolean;
  /** @default DEFAULT_MAX_FILE_MB */
  readonly maxFileMb?: number;
  /** Items per Scan request. @default DEFAULT_PAGE_SIZE */
  readonly pageSize?: number;
  /** @default false (progress on stderr) */
  readonly quiet?: boolean;
}

export interface BackupCommandResult extends BackupResult {
  readonly command: "backup";
}

/** The command that continues an interrupted backup (the same one `verify` prints for an incomplete backup). */
export function backupResumeCommand(table: string, out: ExportLocation): string {
  return `dynamo-dr backup --table ${table} --out ${formatLocation(out)} --resume`;
}

/** Backs a table up; returns what was written. Checks --out before any AWS call. */
export async function backup(
  opts: BackupCommandOptions,
  ctx: Pick<CommandContext, "stderr" | "cwd"> = { stderr: process.stderr, cwd: process.cwd() },
): Promise<BackupCommandResult> {
  const table = checkTableNameFlag("--table", opts.table);
  if (opts.resume === true && opts.out === undefined) {
    throw new UsageError("--resume needs --out: the location of the interrupted backup");
  }
  const out = locationFlag("--out", opts.out ?? `backups/${table}-${utcStamp(new Date())}`, ctx.cwd);
  if (out.kind === "local") await checkWritableFolder("--out", out.dir);
  const silent = opts.quiet === true;
  const progress = new Progress({ label: `backup ${table}`, stream: ctx.stderr, silent });
  let segmentBar: Progress | undefined;
  const resume = backupResumeCommand(table, out);
  const interrupted = (): string =>
    `the backup at ${formatLocation(out)} is incomplete (no manifest-summary.json). Resume it with:\n  ${resume}`;
  const result = await withInterruptNote(ctx.stderr, interrupted, () =>
    withLocationErrors("--out", out, () =>
      backupTable({
        client: dynamoClient(),
        tableName: table,
        out,
        ...(opts.segments === undefined ? {} : { segments: opts.segments }),
        ...(opts.readRate === undefined ? {} : { readRate: opts.readRate }),
        consistentRead: opts.consistent === true,
        resume: opts.resume === true,
        maxFileBytes: (opts.maxFileMb ?? DEFAULT_MAX_FILE_MB) * BYTES_PER_MIB,
        pageLimit: opts.pageSize ?? DEFAULT_PAGE_SIZE,
        onStart: ({ approximateItems, resumedItems }) => {
          if (approximateItems !== undefined && approximateItems > 0) progress.setTotal(approximateItems);
          if (resumedItems > 0) progress.set(resumedItems);
        },
        onProgress: (n) => progress.set(n),
        onNote: (m) => {
          if (!silent) ctx.stderr.write(`note: ${m}\n`);
          segmentBar ??= new Progress({ label: "segments", unit: "segments", stream: ctx.stderr, silent });
        },
        onSegmentProgress: (done, total) => {
          segmentBar?.setTotal(total);
          segmentBar?.set(done);
        },
      }),
    ),
  );
  segmentBar?.finish("done");
  progress.finish(`${result.files} file(s) → ${formatLocation(out)}`);
  return { command: "backup", ...result };
}

export function backupOptionsFromFlags(values: ParsedValues): BackupCommandOptions {
  const out = optionalString(values, "out");
  const rate = rateFlag("read-rate", optionalString(values, "read-rate"));
  return {
    table: requireString(values, "table"),
    ...(out === undefined ? {} : { out }),
    segments: intFlag(values, "segments", DEFAULT_SEGMENTS, 1, MAX_TOTAL_SEGMENTS),
    ...(rate === undefined ? {} : { readRate: rate }),
    consistent: values.consistent === true,
    resume: values.resume === true,
    maxFileMb: intFlag(values, "max-file-mb", DEFAULT_MAX_FILE_MB, 1, MAX_FILE_MB_LIMIT),
    pageSize: intFlag(values, "page-size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    quiet: values.quiet === true,
  };
}

export function renderBackup(r: BackupCommandResult): string {
  return [
    `Backed up ${r.tableName}: ${r.itemCount.toLocaleString("en-US")} items in ${r.files} data file(s)${r.resumed ? " (resumed)" : ""}.`,
    `  location:  ${r.location}`,
    `  export:    ${r.summary.exportArn ?? "(no table ARN)"}`,
    `  took:      ${(r.durationMs / 1000).toFixed(1)} s, ${r.itemsPerSecond.toLocaleString("en-US")} items/s, ${r.segments} segment(s), ${r.retries} retried request(s)`,
    `Check it any time with: dynamo-dr verify ${r.location}`,
  ].join("\n");
}

export const backupCommand: CommandSpec<BackupCommandResult> = {
  name: "backup",
  summary: "Back a table up to files in DynamoDB's export format (local folder or s3://bucket/prefix).",
  usage:
    "--table <name> [--out <dir> | --out s3://bucket/prefix] [--segments N] [--read-rate <items/s>] [--consistent] [--resume] [--max-file-mb N] [--page-size N]",
  details: [
    "Scans the table with N parallel segments and streams the items into gzip files of DynamoDB JSON lines,",
    "in exactly the layout of DynamoDB's Export to S3 (manifest-summary.json, manifest-files.json with an md5 per",
    "file, data/*.json.gz) plus schema.json (keys, indexes, stream, TTL) for `restore-files --create-table`.",
    "manifest-summary.json is written last: a backup without it is incomplete. An interrupted backup keeps a",
    "_checkpoint.json; run the same command again with --resume to continue from the last finished file.",
    "AWS settings come from the SDK's standard configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …).",
    "",
    "Examples:",
    "  dynamo-dr backup --table prod-GranulesTable --out s3://my-backups/granules/2025-01-31",
    "  dynamo-dr backup --table prod-GranulesTable --out ./granules --read-rate 2000",
    "",
    `At most ${MAX_SEGMENTS_IN_FLIGHT} segments are scanned at once (the rest wait their turn); far more segments than`,
    "items gets a note, since every segment costs at least one Scan request. Ctrl-C prints the --resume command.",
    "",
    "Exit codes: 0 ok, 2 bad flags or --out not a folder, 3 precondition (location not empty, nothing to resume,",
    "--out read-only or not writable), 4 table or bucket not found, 8 AWS refused or unreachable, 130 interrupted.",
  ].join("\n"),
  options: {
    table: { type: "string", valueName: "<name>", description: "DynamoDB table name to back up." },
    out: {
      type: "string",
      valueName: "<dir|s3://…>",
      description: "Empty folder or s3://bucket/prefix (default ./backups/<table>-<UTC time>).",
    },
    segments: {
      type: "string",
      valueName: "<N>",
      description: `Parallel scan segments, 1-${MAX_TOTAL_SEGMENTS} (default ${DEFAULT_SEGMENTS}).`,
    },
    "read-rate": {
      type: "string",
      valueName: "<items/s>",
      description: "Limit items read per second (default: no limit).",
    },
    consistent: { type: "boolean", description: "Strongly consistent reads (twice the read capacity)." },
    resume: { type: "boolean", description: "Continue an interrupted backup at --out." },
    "max-file-mb": {
      type: "string",
      valueName: "<MiB>",
      description: `Roll data files after this many uncompressed MiB, 1-${MAX_FILE_MB_LIMIT} (default ${DEFAULT_MAX_FILE_MB}).`,
    },
    "page-size": {
      type: "string",
      valueName: "<N>",
      description: `Items per Scan request, 1-${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}; a page also ends at 1 MB).`,
    },
    quiet: { type: "boolean", description: "No progress line on stderr." },
  },
  async run(values, _positionals, ctx) {
    return backup(backupOptionsFromFlags(values), ctx);
  },
  render: renderBackup,
};
