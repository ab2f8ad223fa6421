/**
 * history: what a table's history in the backup bucket can rebuild — verified full exports, incremental export
 * windows, sealed capture hours, every gap — summed up in plain words. Reads only.
 */
import { DescribeContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import { dynamoClient } from "../../lib/aws";
import { findTable, physicalTableName, type TableCatalog } from "../../lib/catalog";
import {
  optionalString,
  requireString,
  type CommandContext,
  type CommandSpec,
  type ParsedValues,
} from "../../lib/cli/command";
import { projectCatalog } from "../../lib/cli/dr-options";
import { catalogTable } from "../../lib/dr/import-plan";
import { readHistory, type CaptureHourInfo } from "../../lib/history/inventory";
import { parseHistorySource } from "../../lib/history/source";
import { isoSecond, summarize, type HistorySummary } from "../../lib/history/summary";

export interface HistoryCommandOptions {
  readonly bucket: string;
  readonly table: string;
  /** Adds the live PITR window of `<prefix>-<table>`. @default - none */
  readonly prefix?: string;
  readonly catalog?: TableCatalog;
  /** @default new Date() */
  readonly now?: Date;
}

export interface HistoryCommandResult {
  readonly command: "history";
  readonly table: string;
  readonly location: string;
  readonly fullExports: readonly {
    id: string;
    kind: string;
    consistentAt: string;
    items: number;
    verification: string;
  }[];
  readonly incrementalExports: readonly {
    id: string;
    from: string;
    to: string;
    records: number;
    verification: string;
  }[];
  readonly capture: {
    readonly sealedHours: number;
    readonly firstHour: string | null;
    readonly lastHour: string | null;
    readonly failedHours: readonly { hour: string; problem: string | null }[];
    readonly unsealedHours: readonly string[];
  };
  readonly gaps: HistorySummary["gaps"];
  readonly exact: HistorySummary["exact"];
  readonly pitr: { readonly tableName: string; readonly earliest: string; readonly latest: string } | null;
  readonly summary: string;
}

function captureView(hours: readonly CaptureHourInfo[]): HistoryCommandResult["capture"] {
  const sealed = hours.filter((h) => h.status === "SEALED");
  return {
    sealedHours: sealed.length,
    firstHour: sealed[0]?.hour ?? null,
    lastHour: sealed[sealed.length - 1]?.hour ?? null,
    failedHours: hours
      .filter((h) => h.status === "FAILED")
      .map((h) => ({ hour: h.hour, problem: h.problems[0] ?? null })),
    unsealedHours: hours.filter((h) => h.status === "UNSEALED").map((h) => h.hour),
  };
}

async function pitrWindow(tableName: string): Promise<HistoryCommandResult["pitr"]> {
  const res = await dynamoClient().send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
  const d = res.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  if (d?.PointInTimeRecoveryStatus !== "ENABLED" || d.EarliestRestorableDateTime === undefined) return null;
  return {
    tableName,
    earliest: isoSecond(d.EarliestRestorableDateTime.getTime()),
    latest: isoSecond((d.LatestRestorableDateTime ?? new Date()).getTime()),
  };
}

export async function history(
  opts: HistoryCommandOptions,
  ctx: Pick<CommandContext, "cwd" | "env">,
): Promise<HistoryCommandResult> {
  const catalog = opts.catalog ?? projectCatalog(ctx.env);
  const table = catalogTable(catalog, opts.table);
  findTable(catalog, table);
  const source = await parseHistorySource(opts.bucket, ctx.cwd);
  return (async () => {
    const now = (opts.now ?? new Date()).getTime();
    const h = await readHistory(source, table);
    const s = summarize(h, { unsealedUsable: source.s3 !== undefined }, now);
    const pitr = opts.prefix === undefined ? null : await pitrWindow(physicalTableName(opts.prefix, table));
    const pitrText =
      opts.prefix === undefined
        ? ""
        : pitr === null
          ? "; PITR is off"
          : `; PITR from ${pitr.earliest} to ${pitr.latest}`;
    return {
      command: "history",
      table,
      location: source.store.describe(""),
      fullExports: h.fullExports.map((b) => ({
        id: b.id,
        kind: b.kind,
        consistentAt: isoSecond(b.consistentAt),
        items: b.itemCount,
        verification: b.verification,
      })),
      incrementalExports: h.incrementals.map((w) => ({
        id: w.id,
        from: isoSecond(w.from),
        to: isoSecond(w.to),
        records: w.itemCount,
        verification: w.verification,
      })),
      capture: captureView(h.captureHours),
      gaps: s.gaps,
      exact: s.exact,
      pitr,
      summary: `${table}: ${s.sentence}${pitrText}.`,
    };
  })();
}

export function historyOptionsFromFlags(values: ParsedValues): HistoryCommandOptions {
  const prefix = optionalString(values, "prefix");
  return {
    bucket: requireString(values, "bucket"),
    table: requireString(values, "table"),
    ...(prefix === undefined ? {} : { prefix }),
  };
}

export function renderHistory(r: HistoryCommandResult): string {
  const lines = [r.summary, "", `History of ${r.table} in ${r.location}:`, `  full exports (${r.fullExports.length}):`];
  for (const b of r.fullExports)
    lines.push(
      `    ${b.consistentAt}  ${b.kind.padEnd(6)} ${String(b.items).padStart(12)} items  ${b.verification}  ${b.id}`,
    );
  lines.push(`  incremental exports (${r.incrementalExports.length}):`);
  for (const w of r.incrementalExports)
    lines.push(`    ${w.from} → ${w.to}  ${String(w.records).padStart(10)} records  ${w.verification}  ${w.id}`);
  const c = r.capture;
  lines.push(
    `  capture: ${c.sealedHours} sealed hour(s)${c.firstHour === null ? "" : ` from ${c.firstHour} to ${c.lastHour}`}`,
  );
  for (const f of c.failedHours) lines.push(`    FAILED ${f.hour}${f.problem === null ? "" : `: ${f.problem}`}`);
  if (c.unsealedHours.length > 0) lines.push(`    not sealed yet: ${c.unsealedHours.join(", ")}`);
  lines.push(`  gaps (${r.gaps.length}):`);
  for (const g of r.gaps) lines.push(`    ${g.tier}: ${g.from} → ${g.to} (${g.why})`);
  if (r.pitr !== null) lines.push(`  PITR on ${r.pitr.tableName}: ${r.pitr.earliest} → ${r.pitr.latest}`);
  return lines.join("\n");
}

export const historyCommand: CommandSpec<HistoryCommandResult> = {
  name: "history",
  summary: "Show what a table's history in the backup bucket can rebuild: exports, capture, gaps. Reads only.",
  usage: "--bucket <bucket> --table <CatalogName> [--prefix <prefix>]",
  details: [
    "Lists the table's full exports (native or scan; verified, failed or not verified), incremental export windows,",
    "captured hours (sealed, failed, not sealed yet) and every gap, then says in plain words which times",
    "`dynamo-dr rebuild` can rebuild exactly. --bucket also takes a local folder mirroring the bucket (file:///path).",
    "With --prefix it adds the live PITR window of <prefix>-<CatalogName>.",
    "",
    "Exit codes: 0 ok, 2 bad flags, 4 nothing found for the table, 6 a damaged manifest or coverage file, 8 AWS refused.",
  ].join("\n"),
  options: {
    bucket: {
      type: "string",
      valueName: "<bucket>",
      description: "The backup bucket (name or s3://name), or a local mirror.",
    },
    table: { type: "string", valueName: "<CatalogName>", description: "The catalog table, e.g. CollectionsTable." },
    prefix: {
      type: "string",
      valueName: "<prefix>",
      description: "Also show the PITR window of <prefix>-<CatalogName>.",
    },
  },
  async run(values, _positionals, ctx) {
    return history(historyOptionsFromFlags(values), ctx);
  },
  render: renderHistory,
};
