/**
 * The export history as a `recover` source: what it can give as of T (lib/history's inventory and plan, the same code
 * `dynamo-dr history` and `rebuild` use), the restore (a DuckDB rebuild into the backup bucket under
 * rebuilds/<CatalogName>/<UTC stamp>/, then ImportTable into the new table through lib/recover/import-table.ts), and
 * the check of the result (item count against the rebuild's manifest, and a sample of items read back and compared).
 */
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import type { TableSpec } from "../catalog";
import { DrError } from "../errors";
import {
  canonicalItem,
  itemKey,
  itemKeyString,
  openExport,
  readExportItems,
  type ExportStore,
  type Item,
  type OpenedExport,
} from "../export-format";
import type { ProgressSink } from "../progress-sink";
import { readHistory, type HistorySource, type TableHistory } from "../history/inventory";
import { STREAM_RESOLUTION_MS, exactTimes, nearestTimes, planRebuild, type RebuildPlan } from "../history/plan";
import { planOrRefuse, rebuildTable, type RebuildOptions, type RebuildResult } from "../history/rebuild";
import { type ImportTableResult, planImportTable, runImportTable } from "./import-table";
import { lossText, type Candidate } from "./candidate";
import { utcStamp } from "../dr/names";

/** Where a recover's rebuild is written in the backup bucket: rebuilds/<CatalogName>/<UTC stamp of the run>/. */
export const REBUILDS_PREFIX = "rebuilds";
/** How many items of the rebuild are read back from the restored table and compared (spread evenly, reproducibly). */
export const HISTORY_SAMPLE_SIZE = 100;

export function rebuildPrefix(catalogName: string, now: Date): string {
  return `${REBUILDS_PREFIX}/${catalogName}/${utcStamp(now)}`;
}

export interface HistorySurveyInput {
  readonly catalogName: string;
  /** The backup bucket's history; undefined when --bucket was not given. */
  readonly source?: HistorySource;
  readonly at: Date;
  readonly now: Date;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const base = { source: "history" as const, kind: "history" as const };

function refusal(h: TableHistory, at: number, src: HistorySource, now: number): string {
  try {
    planOrRefuse(h, at, src, now);
    return "the history cannot serve T";
  } catch (err) {
    return (err as Error).message;
  }
}

function planWords(p: RebuildPlan): string {
  const capture = p.captureHours.length === 0 ? "" : `, ${p.captureHours.length} captured hour(s)`;
  return `from the ${p.base.kind} export of ${iso(p.base.consistentAt)}, ${p.incrementals.length} incremental export(s)${capture}`;
}

/**
 * What the history gives as of T: exact (to the stream's precision) when the plan reaches T; else the nearest time at
 * or before T it can rebuild exactly (the loss is T minus it), unless the history has a gap between its base and T
 * (then unusable, with the rebuild's own refusal naming the gap).
 */
export async function historyCandidate(s: HistorySurveyInput): Promise<Candidate> {
  if (s.source === undefined) {
    return { ...base, usable: false, says: "pass --bucket <backup bucket> to consider the export history" };
  }
  let h: TableHistory;
  try {
    h = await readHistory(s.source, s.catalogName);
  } catch (err) {
    // Nothing for the table, or a damaged coverage file: this source cannot serve, the others still may.
    if (err instanceof DrError && (err.kind === "not-found" || err.kind === "verification")) {
      return { ...base, usable: false, says: err.message };
    }
    throw err;
  }
  const at = s.at.getTime();
  const now = s.now.getTime();
  const opts = { unsealedUsable: s.source.s3 !== undefined };
  const r = planRebuild(h, at, opts);
  if (r !== undefined && "plan" in r) {
    return {
      ...base,
      usable: true,
      says: `exact to the stream's ${STREAM_RESOLUTION_MS / 1000} s precision: rebuilt ${planWords(r.plan)}`,
      dataAsOf: iso(at),
      lossSeconds: 0,
    };
  }
  const before = nearestTimes(exactTimes(h, opts, now), at).before;
  if (r === undefined || (r.gap.to !== null && r.gap.to <= at) || before === null) {
    return { ...base, usable: false, says: refusal(h, at, s.source, now) };
  }
  const loss = (at - before) / 1000;
  return {
    ...base,
    usable: true,
    says: `rebuilt as of ${iso(before)}, the nearest time at or before T it can rebuild exactly (it reaches no further: ${r.gap.what}): ${lossText(loss)}`,
    dataAsOf: iso(before),
    lossSeconds: loss,
  };
}

/** What the history restore needs beyond the RestoreStep. */
export interface HistoryRestore {
  readonly source: HistorySource;
  readonly spec: TableSpec;
  /** The rebuild's output: s3://<bucket>/rebuilds/<CatalogName>/<stamp>/ (new, empty). */
  readonly out: ExportStore;
  readonly engine: RebuildOptions["engine"];
  readonly now: Date;
}

export interface HistoryRestoreResult {
  readonly rebuild: RebuildResult;
  readonly import: ImportTableResult;
}

/** Step 1: the rebuild as of the candidate's dataAsOf into the bucket. */
export async function rebuildForRecover(
  h: HistoryRestore,
  asOf: Date,
  onPhase?: RebuildOptions["onPhase"],
): Promise<RebuildResult> {
  return rebuildTable({ source: h.source, spec: h.spec, at: asOf, out: h.out, engine: h.engine, now: h.now, onPhase });
}

/** Step 2: ImportTable of the rebuild into the new table (preflight, wait with progress, counts checked). */
export async function importRebuild(
  client: DynamoDBClient,
  h: HistoryRestore,
  targetName: string,
  opts: { readonly timeoutMs: number; readonly pollMs?: number; readonly progress?: ProgressSink },
): Promise<{ exp: OpenedExport; result: ImportTableResult }> {
  const exp = await openExport(h.out.location, { s3: h.source.s3?.client });
  const plan = await planImportTable(client, exp, targetName);
  return { exp, result: await runImportTable(client, exp, plan, opts) };
}

/** The positions (in the rebuild's manifest order) of the sample: evenly spread, the same on every run. */
export function samplePositions(total: number, size = HISTORY_SAMPLE_SIZE): Set<number> {
  const n = Math.min(total, size);
  const out = new Set<number>();
  for (let k = 0; k < n; k++) out.add(Math.floor((k * total) / n));
  return out;
}

/** The sampled items of the rebuild (md5 and count of every file read are checked on the way). */
async function sampleItems(exp: OpenedExport, positions: ReadonlySet<number>): Promise<Item[]> {
  const picked: Item[] = [];
  let pos = 0;
  for (const entry of exp.files) {
    for await (const batch of readExportItems(exp, entry)) {
      for (const item of batch) if (positions.has(pos++)) picked.push(item);
    }
  }
  return picked;
}

export interface HistoryCheck {
  readonly restoredItems: number;
  readonly expectedItems: number;
  readonly sampled: number;
  /** Keys of sampled items missing from the restored table or different there. */
  readonly mismatched: readonly string[];
  readonly ok: boolean;
  readonly says: string;
}

/**
 * The check of a history restore: the restored table's item count against the rebuild's manifest, and
 * HISTORY_SAMPLE_SIZE items of the rebuild read back (consistent GetItem) and compared attribute for attribute.
 */
export async function checkHistoryRestore(
  client: DynamoDBClient,
  table: string,
  exp: OpenedExport,
  keyNames: readonly string[],
  countItems: (client: DynamoDBClient, table: string) => Promise<number>,
): Promise<HistoryCheck> {
  const restoredItems = await countItems(client, table);
  const expectedItems = exp.summary.itemCount;
  const sample = await sampleItems(exp, samplePositions(expectedItems));
  const mismatched: string[] = [];
  for (const item of sample) {
    const got = await client.send(
      new GetItemCommand({ TableName: table, Key: itemKey(item, keyNames), ConsistentRead: true }),
    );
    if (got.Item === undefined || canonicalItem(got.Item) !== canonicalItem(item)) {
      mismatched.push(`${itemKeyString(item, keyNames)} ${got.Item === undefined ? "missing" : "differs"}`);
    }
  }
  const countOk = restoredItems === expectedItems;
  const ok = countOk && mismatched.length === 0;
  const count = countOk
    ? `${restoredItems} items restored, as the rebuild's manifest says`
    : `${restoredItems} items restored but the rebuild's manifest says ${expectedItems}`;
  const sampled = `${sample.length} sampled item(s) read back ${mismatched.length === 0 ? "equal the rebuild" : `and ${mismatched.length} do not equal the rebuild (${mismatched.slice(0, 3).join("; ")}${mismatched.length > 3 ? "; …" : ""})`}`;
  return { restoredItems, expectedItems, sampled: sample.length, mismatched, ok, says: `${count}; ${sampled}` };
}
