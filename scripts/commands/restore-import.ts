/**
 * restore-files --via import-table: the ImportTable path of the file-restore command (lib/recover/import-table.ts).
 */
import { dynamoClient } from "../../lib/aws";
import type { CommandContext, ParsedValues } from "../../lib/cli/command";
import { DEFAULT_WAIT_MINUTES } from "../../lib/cli/dr-options";
import { checkTableNameFlag } from "../../lib/dr/names";
import { UsageError } from "../../lib/errors";
import { openExport } from "../../lib/export-format";
import { ImportTableResult, planImportTable, runImportTable } from "../../lib/recover/import-table";
import { Progress } from "../../lib/cli/progress";
import { locationFlag } from "../../lib/table-io/cli";
import { withLocationErrors } from "../../lib/writable";

export const VIA_CHOICES = ["write", "import-table"] as const;

/** Flags of the write path that mean nothing to ImportTable. */
const WRITE_ONLY_FLAGS = ["resume", "checkpoint", "concurrency", "write-rate", "skip-verify"] as const;

export interface RestoreViaImportResult extends ImportTableResult {
  readonly command: "restore-files";
  readonly via: "import-table";
  readonly source: string;
}

/** --via: "write" (default) or "import-table"; the write-only flags are refused with import-table. */
export function viaFlag(values: ParsedValues): (typeof VIA_CHOICES)[number] {
  const v = values.via;
  if (v === undefined) return "write";
  if (typeof v !== "string" || !(VIA_CHOICES as readonly string[]).includes(v)) {
    throw new UsageError(`--via: "${String(v)}" is not allowed; use one of ${VIA_CHOICES.join(", ")}`);
  }
  if (v === "import-table") {
    for (const f of WRITE_ONLY_FLAGS) {
      if (values[f] !== undefined) {
        throw new UsageError(
          `--${f} does not apply with --via import-table (ImportTable writes nothing through this machine)`,
        );
      }
    }
  }
  return v as (typeof VIA_CHOICES)[number];
}

export async function restoreViaImport(
  sourceArg: string,
  tableArg: string,
  ctx: Pick<CommandContext, "stderr" | "cwd">,
): Promise<RestoreViaImportResult> {
  const table = checkTableNameFlag("--table", tableArg);
  const source = locationFlag("<source>", sourceArg, ctx.cwd);
  if (source.kind !== "s3") {
    throw new UsageError(
      `--via import-table: <source> ${source.dir} is a local folder; ImportTable reads only from S3 (s3://bucket/prefix): copy it there first, or restore without --via import-table`,
    );
  }
  const client = dynamoClient();
  return withLocationErrors("<source>", source, async () => {
    const exp = await openExport(source);
    const plan = await planImportTable(client, exp, table);
    ctx.stderr.write(
      `Importing ${plan.objects} file(s), ${plan.bytes.toLocaleString("en-US")} bytes, ${plan.expectedItems.toLocaleString("en-US")} items from ${exp.location} into the new table ${table} (ImportTable)\n`,
    );
    const progress = new Progress({ label: `import into ${table}`, total: plan.expectedItems, stream: ctx.stderr });
    const r = await runImportTable(client, exp, plan, { timeoutMs: DEFAULT_WAIT_MINUTES * 60_000, progress });
    progress.finish("done");
    return { command: "restore-files" as const, via: "import-table" as const, source: exp.location, ...r };
  });
}

export function renderRestoreViaImport(r: RestoreViaImportResult): string {
  return [
    `Imported ${r.importedItems.toLocaleString("en-US")} of ${r.expectedItems.toLocaleString("en-US")} items into the new table ${r.tableName} (ImportTable, on-demand).`,
    `  source:    ${r.source}`,
    `  took:      ${r.seconds.toFixed(1)} s (import ${r.importArn})`,
    ...(r.ttlAttribute === null ? [] : [`  TTL:       enabled on ${r.ttlAttribute}`]),
    `Compare with the backup: dynamo-dr verify ${r.source} --table ${r.tableName}`,
  ].join("\n");
}
