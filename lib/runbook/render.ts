/**
 * The runbook as markdown: this deployment's tables, what protects each now, the exact commands for each scenario
 * with its names filled in, the operator's permissions and what to check afterwards. Pure (facts in, text out).
 */
import { shJoin } from "../dr/shell";
import type { BackupFact, ExportFact, TableFacts } from "./facts";

/** An export older than this is flagged in the runbook (the module's default export-age alarm is a day). */
export const STALE_EXPORT_HOURS = 26;

/** A command's AWS permissions (the shape of lib/cli/command's CommandPermissions, which the commands declare). */
export interface RunbookPermissions {
  readonly groups: readonly { readonly actions: readonly string[]; readonly on: string; readonly when?: string }[];
  readonly note?: string;
}

export interface RunbookInput {
  readonly prefix: string;
  readonly moduleAddress: string;
  readonly chdir?: string;
  readonly bucket?: string;
  readonly region: string;
  readonly generatedAt: Date;
  readonly tables: readonly TableFacts[];
  /** The commands the runbook refers to, with their permissions (scripts/commands/permissions.ts). */
  readonly permissions: Readonly<Record<string, RunbookPermissions>>;
  /** The CLI as the operator runs it. @default "dynamo-dr" */
  readonly cli?: string;
}

/** The runbook's section headings, in order (pinned by test/rehearse/runbook.moto.test.ts). */
export const RUNBOOK_SECTIONS = [
  "Tables",
  "What protects each table now",
  "Gaps to fix before you need them",
  "Scenario 1: one table corrupted (bad writes or deletes)",
  "Scenario 2: the whole deployment deleted",
  "Scenario 3: a table as of a time beyond the PITR window",
  "Permissions the operator needs",
  "After any restore: check",
] as const;

const cell = (s: string): string => s.replace(/\|/g, "\\|");
const when = (iso: string | undefined): string =>
  iso === undefined || iso === "" ? "–" : iso.replace(/\.\d{3}Z$/, "Z");

function backupCell(b: BackupFact | undefined): string {
  return b === undefined ? "none" : `${b.type} ${when(b.created)}`;
}

function exportCell(e: ExportFact | null | undefined): string {
  if (e === undefined) return "(no --bucket)";
  if (e === null) return "none";
  return `${e.exportType} ${when(e.dataTime)} (${e.ageHours} h old, ${e.itemCount} items)`;
}

function captureCell(t: TableFacts): string {
  if (t.capture === undefined) return "(no --bucket)";
  if (t.capture === null) return "off";
  const failed = t.capture.failedHours.length === 0 ? "" : `, ${t.capture.failedHours.length} FAILED hours`;
  return `${t.capture.sealedHours} sealed hours ${t.capture.firstHour ?? ""}…${t.capture.lastHour ?? ""}${failed}`;
}

function pitrCell(t: TableFacts): string {
  if (t.pitr.status !== "ENABLED") return t.pitr.status;
  return `ENABLED ${when(t.pitr.earliest)} → ${when(t.pitr.latest)}`;
}

function tablesSection(r: RunbookInput): string[] {
  return [
    "| Catalog name | Terraform address | Physical name | Status | Items (approx.) |",
    "|---|---|---|---|---|",
    ...r.tables.map(
      (t) =>
        `| ${t.catalogName} | \`${cell(t.address)}\` | \`${t.physicalName}\`${t.nameFrom === "terraform-state" ? " (state)" : ""} | ${t.status} | ${t.itemCount ?? "–"} |`,
    ),
  ];
}

function protectionSection(r: RunbookInput): string[] {
  return [
    "| Table | PITR (window, UTC) | Latest backup | Latest AWS Backup recovery point | Latest verified export | Change capture |",
    "|---|---|---|---|---|---|",
    ...r.tables.map(
      (t) =>
        `| ${t.catalogName} | ${pitrCell(t)} | ${backupCell(t.latestBackup)} | ${backupCell(t.latestRecoveryPoint)} | ${cell(exportCell(t.latestVerifiedExport))} | ${captureCell(t)} |`,
    ),
  ];
}

/** What would hurt in a disaster, table by table. */
export function gaps(r: RunbookInput): string[] {
  const out: string[] = [];
  for (const t of r.tables) {
    if (t.status === "MISSING") out.push(`${t.catalogName}: the table \`${t.physicalName}\` does not exist.`);
    else if (t.pitr.status !== "ENABLED") {
      out.push(`${t.catalogName}: point-in-time recovery is ${t.pitr.status}; add it to enable_point_in_time_tables.`);
    }
    if (t.latestBackup === undefined && t.latestRecoveryPoint === undefined) {
      out.push(`${t.catalogName}: no on-demand backup and no AWS Backup recovery point.`);
    }
    const e = t.latestVerifiedExport;
    if (e === null) out.push(`${t.catalogName}: no verified export in s3://${r.bucket ?? ""}.`);
    else if (e !== undefined && e.ageHours > STALE_EXPORT_HOURS) {
      out.push(`${t.catalogName}: the newest verified export is ${e.ageHours} h old (over ${STALE_EXPORT_HOURS} h).`);
    }
    if (t.capture !== undefined && t.capture !== null && t.capture.failedHours.length > 0) {
      out.push(`${t.catalogName}: capture hours failed sealing: ${t.capture.failedHours.slice(0, 5).join(", ")}.`);
    }
  }
  return out.length === 0 ? ["None found."] : out.map((g) => `- ${g}`);
}

function tf(r: RunbookInput): string[] {
  return [
    ...(r.moduleAddress === "module.data_persistence" ? [] : ["--module-address", r.moduleAddress]),
    "--chdir",
    r.chdir ?? "<your terraform root>",
  ];
}

function code(lines: readonly string[]): string[] {
  return ["```sh", ...lines, "```"];
}

function scenarioTable(r: RunbookInput): string[] {
  const cli = r.cli ?? "dynamo-dr";
  const pitr = r.tables.filter((t) => t.pitr.status === "ENABLED");
  const example = pitr[0] ?? r.tables[0];
  const lines = pitr.map((t) =>
    shJoin([
      cli,
      "restore-pitr",
      "--table",
      t.catalogName,
      "--prefix",
      r.prefix,
      "--at",
      "<ISO time, e.g. 2025-01-31T04:05:00Z>",
      ...tf(r),
      "--execute",
    ]),
  );
  return [
    "Restore the table as it was just before the damage into a NEW table (the damaged one is kept), then point",
    "Terraform at it (state rm + import, a checked plan with 0 destroy/replace). First without `--execute` to see",
    "what it would do; `--dry-run` reads only.",
    "",
    ...code(
      lines.length === 0 ? ["# no table has point-in-time recovery on: use Scenario 3 (exports) or a backup"] : lines,
    ),
    "",
    ...(example === undefined
      ? []
      : [
          "If you restored by hand (console or aws CLI), make Terraform manage the restored table:",
          "",
          ...code([
            shJoin([
              cli,
              "import-restored-table",
              "--table",
              example.catalogName,
              "--restored-name",
              "<restored table name>",
              ...tf(r),
              "--execute",
            ]),
          ]),
          "",
        ]),
    "Then make the new name permanent: add the printed `table_name_overrides` entry to your configuration.",
  ];
}

function scenarioDeployment(r: RunbookInput): string[] {
  const cli = r.cli ?? "dynamo-dr";
  return [
    "Every table deleted (AWS keeps a SYSTEM backup of each PITR table it deletes): restore each from its newest",
    "backup to its own name, import it, then apply.",
    "",
    ...code([
      shJoin([cli, "restore-backups", "--prefix", r.prefix, "--dry-run"]),
      shJoin([cli, "restore-backups", "--prefix", r.prefix, ...tf(r), "--execute"]),
      `# on-demand backups instead of the SYSTEM ones: add --backup-type USER (or ALL)`,
      ...(r.chdir === undefined
        ? ["terraform plan   # in your root module"]
        : [shJoin(["terraform", `-chdir=${r.chdir}`, "plan"])]),
    ]),
  ];
}

function scenarioHistory(r: RunbookInput): string[] {
  const cli = r.cli ?? "dynamo-dr";
  const t =
    r.tables.find((x) => x.latestVerifiedExport !== null && x.latestVerifiedExport !== undefined) ?? r.tables[0];
  if (t === undefined) return [];
  const bucket = r.bucket ?? "<backup bucket>";
  const dir = t.latestVerifiedExport?.exportDir ?? `exports/${t.catalogName}/AWSDynamoDB/<export id>`;
  const target = `${t.physicalName}-from-export`;
  return [
    `Beyond PITR's window, restore a verified export from the backup bucket (example: ${t.catalogName}, its newest`,
    "verified export) into a new table, then make Terraform manage it:",
    "",
    ...code([
      shJoin([cli, "verify", `s3://${bucket}/${dir}`]),
      shJoin([cli, "restore-files", `s3://${bucket}/${dir}`, "--table", target, "--create-table"]),
      shJoin([
        cli,
        "import-restored-table",
        "--table",
        t.catalogName,
        "--restored-name",
        target,
        ...tf(r),
        "--execute",
      ]),
    ]),
  ];
}

function permissionsSection(r: RunbookInput): string[] {
  return Object.entries(r.permissions).flatMap(([name, p]) => [
    `**${name}**`,
    "",
    ...p.groups.map(
      (g) => `- \`${g.actions.join("`, `")}\` on ${g.on}${g.when === undefined ? "" : ` (when ${g.when})`}`,
    ),
    ...(p.note === undefined ? [] : [`- ${p.note}`]),
    "",
  ]);
}

const CHECKS = [
  "`terraform plan` in the root module says **No changes** (or only the updates the restore printed: PITR, TTL, tags).",
  "The restored table's item count is what you expect (DescribeTable's ItemCount lags ~6 h: `aws dynamodb scan --select COUNT`).",
  "Point-in-time recovery and deletion protection are on again on the restored table (the module's apply sets them).",
  "Streams: the restored table has a NEW stream ARN; anything reading the old stream (change capture, Lambdas) follows after the apply.",
  "The `table_name_overrides` entry is committed to your configuration, so the next apply keeps the restored table.",
  "Applications (e.g. Cumulus) read the restored names; re-index search (Cumulus: `index-from-database`).",
  "Keep the damaged table until you are sure; delete it by hand later (it is no longer in the Terraform state).",
];

/** The whole runbook. */
export function renderRunbook(r: RunbookInput): string {
  const [tables, protects, gapsH, s1, s2, s3, perms, after] = RUNBOOK_SECTIONS;
  const head = [
    `# Disaster-recovery runbook: \`${r.prefix}\``,
    "",
    `Generated ${when(r.generatedAt.toISOString())} for region ${r.region}, module \`${r.moduleAddress || "(root module)"}\`${r.chdir === undefined ? "" : `, Terraform root \`${r.chdir}\``}${r.bucket === undefined ? "" : `, backup bucket \`${r.bucket}\``}.`,
    "Regenerate it after every change to the deployment: `dynamo-dr runbook --prefix " +
      r.prefix +
      " --out RUNBOOK.md --force`.",
  ];
  const sections: [string, string[]][] = [
    [tables, tablesSection(r)],
    [protects, protectionSection(r)],
    [gapsH, gaps(r)],
    [s1, scenarioTable(r)],
    [s2, scenarioDeployment(r)],
    [s3, scenarioHistory(r)],
    [perms, permissionsSection(r)],
    [after, CHECKS.map((c) => `- [ ] ${c}`)],
  ];
  return `${[...head, ...sections.flatMap(([h, body]) => ["", `## ${h}`, "", ...body])].join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}
