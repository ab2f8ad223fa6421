/**
 * Choosing what a rebuild as of T reads: the newest usable full export consistent at or before T, then incremental
 * windows chained from its replay start, then captured hours from where the windows end (or from the base) to T. A
 * gap anywhere in between refuses the rebuild, naming the gap and the nearest times that can be rebuilt exactly.
 */
import { hourEndMs, hourIdOf, hourStartMs, type HourId } from "../capture/layout";
import type { CaptureHourInfo, FullExportInfo, IncrementalInfo, TableHistory } from "./inventory";

/** ApproximateCreationDateTime's precision in Lambda's events: capture is replayed from the whole second. */
export const STREAM_RESOLUTION_MS = 1000;

export interface RebuildPlan {
  readonly at: number;
  readonly base: FullExportInfo;
  readonly incrementals: readonly IncrementalInfo[];
  /** Capture hours read (empty when no capture is needed). */
  readonly captureHours: readonly CaptureHourInfo[];
  /** Capture records from this time (epoch ms) on take part. */
  readonly captureFrom: number;
}

export interface Gap {
  readonly from: number;
  /** Where the history resumes, or null when nothing follows. */
  readonly to: number | null;
  readonly what: string;
}

export interface CaptureRun {
  readonly start: number;
  readonly end: number;
  readonly hours: readonly CaptureHourInfo[];
}

export interface PlanOptions {
  /** Unsealed hours can be checked (a bucket source) and so take part. */
  readonly unsealedUsable: boolean;
}

/** Contiguous runs of usable capture hours. */
export function captureRuns(h: TableHistory, opts: PlanOptions): CaptureRun[] {
  const runs: { start: number; end: number; hours: CaptureHourInfo[] }[] = [];
  for (const hour of h.captureHours) {
    const usable = hour.status === "SEALED" || (hour.status === "UNSEALED" && opts.unsealedUsable);
    if (!usable) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.end === hourStartMs(hour.hour)) {
      last.end = hourEndMs(hour.hour);
      last.hours.push(hour);
    } else {
      runs.push({ start: hourStartMs(hour.hour), end: hourEndMs(hour.hour), hours: [hour] });
    }
  }
  return runs;
}

function floorToResolution(ms: number): number {
  return Math.floor(ms / STREAM_RESOLUTION_MS) * STREAM_RESOLUTION_MS;
}

/** The windows chained from `start`: each begins at or before where the last ended, and ends by T. */
function chainFrom(incs: readonly IncrementalInfo[], start: number, at: number): IncrementalInfo[] {
  const chain: IncrementalInfo[] = [];
  let cur = start;
  for (;;) {
    const next = incs.filter((w) => w.from <= cur && w.to > cur && w.to <= at).sort((a, b) => b.to - a.to)[0];
    if (next === undefined) return chain;
    chain.push(next);
    cur = next.to;
  }
}

function hoursBetween(run: CaptureRun, from: number, at: number): CaptureHourInfo[] {
  const first: HourId = hourIdOf(from);
  const last: HourId = hourIdOf(at);
  return run.hours.filter((x) => x.hour >= first && x.hour <= last);
}

type Attempt = { plan: RebuildPlan } | { reach: number };

function planWithBase(h: TableHistory, runs: readonly CaptureRun[], base: FullExportInfo, at: number): Attempt {
  const chain = chainFrom(
    h.incrementals.filter((w) => w.verification !== "FAILED"),
    base.replayFrom,
    at,
  );
  let reach = base.replayFrom;
  for (let n = chain.length; n >= 0; n--) {
    const handoff = n === 0 ? base.replayFrom : chain[n - 1]!.to;
    const used = chain.slice(0, n);
    if (handoff === at || (n === 0 && base.kind === "native" && base.consistentAt === at)) {
      return { plan: { at, base, incrementals: used, captureHours: [], captureFrom: at } };
    }
    const from = floorToResolution(handoff);
    const run = runs.find((r) => r.start <= from && from < r.end);
    if (run !== undefined && at < run.end) {
      return { plan: { at, base, incrementals: used, captureHours: hoursBetween(run, from, at), captureFrom: from } };
    }
    reach = Math.max(reach, handoff, run?.end ?? 0);
  }
  return { reach };
}

function usableBases(h: TableHistory, at: number): FullExportInfo[] {
  return h.fullExports.filter((b) => b.verification !== "FAILED" && b.consistentAt <= at).reverse();
}

/** The plan for T, or the gap (after the newest base) that stops it; undefined when no full export is old enough. */
export function planRebuild(
  h: TableHistory,
  at: number,
  opts: PlanOptions,
): { plan: RebuildPlan } | { gap: Gap } | undefined {
  const runs = captureRuns(h, opts);
  const bases = usableBases(h, at);
  let firstReach: number | undefined;
  for (const base of bases) {
    const attempt = planWithBase(h, runs, base, at);
    if ("plan" in attempt) return attempt;
    firstReach ??= attempt.reach;
  }
  if (firstReach === undefined) return undefined;
  return { gap: gapAfter(h, runs, firstReach) };
}

function gapAfter(h: TableHistory, runs: readonly CaptureRun[], reach: number): Gap {
  const resumes = [
    ...runs.map((r) => r.start).filter((s) => s > reach),
    ...h.incrementals.filter((w) => w.verification !== "FAILED" && w.from > reach).map((w) => w.from),
    ...h.fullExports.filter((b) => b.verification !== "FAILED" && b.consistentAt > reach).map((b) => b.consistentAt),
  ].sort((a, b) => a - b);
  const unusable = h.captureHours.filter((x) => x.status !== "SEALED" && hourEndMs(x.hour) > reach);
  const why =
    unusable[0] === undefined
      ? "no full export, incremental export or sealed capture covers it"
      : `capture hour ${unusable[0].hour} is ${unusable[0].status}${unusable[0].problems[0] === undefined ? "" : ` (${unusable[0].problems[0]})`}`;
  return { from: reach, to: resumes[0] ?? null, what: why };
}

/** Times that can be rebuilt exactly: ranges (capture) and points (export points). */
export interface ExactTimes {
  readonly ranges: readonly { readonly from: number; readonly to: number }[];
  readonly incrementalPoints: readonly number[];
  readonly basePoints: readonly number[];
}

/** Every time the history can rebuild exactly (for the summary and for the refusal's "nearest" times). */
export function exactTimes(h: TableHistory, opts: PlanOptions, now: number): ExactTimes {
  const ok = (t: number): boolean => {
    const r = planRebuild(h, t, opts);
    return r !== undefined && "plan" in r;
  };
  const ranges: { from: number; to: number }[] = [];
  for (const run of captureRuns(h, opts)) {
    const to = Math.min(run.end - 1, now);
    const candidates = [
      run.start,
      ...h.fullExports.map((b) => b.consistentAt),
      ...h.incrementals.map((w) => w.to),
    ].filter((t) => t >= run.start && t <= to);
    const from = [...new Set(candidates)].sort((a, b) => a - b).find(ok);
    if (from !== undefined) ranges.push({ from, to });
  }
  const incrementalPoints = [...new Set(h.incrementals.map((w) => w.to))].filter(ok).sort((a, b) => a - b);
  const basePoints = h.fullExports.map((b) => b.consistentAt).filter(ok);
  return { ranges, incrementalPoints, basePoints };
}

/** The nearest exactly rebuildable times before and after T. */
export function nearestTimes(x: ExactTimes, at: number): { before: number | null; after: number | null } {
  const before = [
    ...x.ranges.filter((r) => r.from < at).map((r) => Math.min(r.to, at - 1)),
    ...[...x.incrementalPoints, ...x.basePoints].filter((t) => t < at),
  ];
  const after = [
    ...x.ranges.filter((r) => r.from > at).map((r) => r.from),
    ...[...x.incrementalPoints, ...x.basePoints].filter((t) => t > at),
  ];
  return {
    before: before.length === 0 ? null : Math.max(...before),
    after: after.length === 0 ? null : Math.min(...after),
  };
}
