/**
 * verify: check backup files (or an AWS export) against their manifests, and optionally compare them item by item
 * with a live table.
 */
import { dynamoClient } from "../../lib/aws";
import {
  intFlag,
  optionalString,
  type CommandContext,
  type CommandSpec,
  type ParsedValues,
} from "../../lib/cli/command";
import { Progress } from "../../lib/cli/progress";
import { checkTableNameFlag } from "../../lib/dr/names";
import { UsageError, VerificationError } from "../../lib/errors";
import { openExport, verifyExport, type OpenedExport, type VerifyReport } from "../../lib/export-format";
import { locationFlag } from "../../lib/table-io/cli";
import {
  checkCompareTarget,
  compareExportWithTable,
  DEFAULT_SAMPLE_KEYS,
  type CompareReport,
} from "../../lib/table-io/compare";
import { withLocationErrors } from "../../lib/writable";

export interface VerifyCommandOptions {
  readonly source: string;
  /** Compare the export with this live table. @default - files only */
  readonly table?: string;
  /** Keys listed per kind of difference. @default DEFAULT_SAMPLE_KEYS */
  readonly sampleKeys?: number;
  /** @default false */
  readonly quiet?: boolean;
}

export interface VerifyCommandResult {
  readonly command: "verify";
  readonly ok: boolean;
  readonly files: VerifyReport;
  readonly table?: CompareReport;
}

function renderCompareProblems(c: CompareReport): string[] {
  const lines: string[] = [];
  const list = (label: string, count: number, keys: readonly string[]): void => {
    if (count === 0) return;
    lines.push(`${count} ${label}${count > keys.length ? ` (first ${keys.length} shown)` : ""}:`);
    for (const k of keys) lines.push(`  ${k}`);
  };
  list("key(s) in the backup but MISSING from the table", c.missingCount, c.missing);
  list("EXTRA key(s) in the table but not in the backup", c.extraCount, c.extra);
  list("key(s) whose items are DIFFERENT", c.differentCount, c.different);
  if (c.duplicateExportKeys > 0) lines.push(`${c.duplicateExportKeys} key(s) appear more than once in the backup`);
  return lines;
}

/**
 * Verifies; throws a VerificationError (exit 6) listing every problem when anything does not match. With --table, the
 * table's existence and key are checked first, before any file is read.
 */
export async function verify(
  opts: VerifyCommandOptions,
  ctx: Pick<CommandContext, "stderr" | "cwd"> = { stderr: process.stderr, cwd: process.cwd() },
): Promise<VerifyCommandResult> {
  const table = opts.table === undefined ? undefined : checkTableNameFlag("--table", opts.table);
  const source = locationFlag("<source>", opts.source, ctx.cwd);
  const silent = opts.quiet === true;
  return withLocationErrors("<source>", source, async () => {
    const exp = await openExport(source);
    if (table !== undefined) await checkCompareTarget(exp, dynamoClient(), table);
    const bar = new Progress({
      label: "verify files",
      total: exp.files.length,
      unit: "files",
      stream: ctx.stderr,
      silent,
    });
    const files = await verifyExport(exp, { onFile: () => bar.add(1) });
    bar.finish(files.ok ? "ok" : `${files.problems.length} problem(s)`);
    let compared: CompareReport | undefined;
    if (table !== undefined && files.ok) {
      const cmp = new Progress({ label: `compare with ${table}`, stream: ctx.stderr, silent });
      compared = await compareExportWithTable(exp, {
        client: dynamoClient(),
        tableName: table,
        sampleKeys: opts.sampleKeys ?? DEFAULT_SAMPLE_KEYS,
        onProgress: (_phase, n) => cmp.set(n),
      });
      cmp.finish(compared.ok ? "identical" : "differences found");
    }
    const result: VerifyCommandResult = {
      command: "verify",
      ok: files.ok && (compared?.ok ?? true),
      files,
      ...(compared === undefined ? {} : { table: compared }),
    };
    if (!result.ok) throw new VerificationError(problemLines(exp, files, table, compared).join("\n"));
    return result;
  });
}

function problemLines(
  exp: OpenedExport,
  files: VerifyReport,
  table: string | undefined,
  compared: CompareReport | undefined,
): string[] {
  if (!files.ok) {
    return [
      `${exp.location} failed verification:`,
      ...files.problems.map((p) => `  - ${p}`),
      ...(table === undefined ? [] : [`(the table comparison was skipped because the files are damaged)`]),
    ];
  }
  return compared === undefined
    ? []
    : [`${exp.location} and table ${table} differ:`, ...renderCompareProblems(compared)];
}

export function verifyOptionsFromFlags(values: ParsedValues, positionals: string[]): VerifyCommandOptions {
  const source = positionals[0];
  if (source === undefined || source === "") {
    throw new UsageError("<source> is required: the backup folder or s3://bucket/prefix to verify. See --help.");
  }
  const table = optionalString(values, "table");
  return {
    source,
    ...(table === undefined ? {} : { table }),
    sampleKeys: intFlag(values, "sample-keys", DEFAULT_SAMPLE_KEYS, 0, 1_000_000),
    quiet: values.quiet === true,
  };
}

export function renderVerify(r: VerifyCommandResult): string {
  const f = r.files;
  const lines = [
    `OK: ${f.location}`,
    `  ${f.fileCount} data file(s), ${f.actualItemCount.toLocaleString("en-US")} items; every md5 and item count matches the manifest${f.hasSchema ? "; schema.json present" : ""}.`,
  ];
  if (r.table !== undefined) {
    lines.push(
      `  table ${r.table.tableName}: all ${r.table.matching.toLocaleString("en-US")} items identical (no missing, extra or different keys).`,
    );
  }
  return lines.join("\n");
}

export const verifyCommand: CommandSpec<VerifyCommandResult> = {
  name: "verify",
  summary: "Verify backup files (md5 and counts per file) and optionally compare them with a live table.",
  usage: "<source> [--table <name>] [--sample-keys N]",
  positionals: ["<source>"],
  details: [
    "Checks every data file's md5 and item count against manifest-files.json, the total against",
    "manifest-summary.json, that no listed file is missing and no unlisted file is present, and that every line",
    "decodes. With --table it then compares every item, by key, with the live table and reports keys missing",
    "from the table, extra keys in the table, and keys whose items differ.",
    "AWS settings come from the SDK's standard configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …).",
    "",
    "With --table, the table must exist and have the backup's key (schema.json's), checked before any file is read.",
    "",
    "Exit codes: 0 everything matches, 2 bad flags, 3 incomplete backup or table of a different key, 4 backup, table",
    "or bucket not found, 6 mismatch (each problem names its file or key), 8 AWS refused or unreachable.",
  ].join("\n"),
  options: {
    table: { type: "string", valueName: "<name>", description: "Also compare every item with this table." },
    "sample-keys": {
      type: "string",
      valueName: "<N>",
      description: `Keys listed per kind of difference (default ${DEFAULT_SAMPLE_KEYS}); counts are always exact.`,
    },
    quiet: { type: "boolean", description: "No progress lines on stderr." },
  },
  async run(values, positionals, ctx) {
    return verify(verifyOptionsFromFlags(values, positionals), ctx);
  },
  render: renderVerify,
};
