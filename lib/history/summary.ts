/**
 * `dynamo-dr history`'s view of a table's history: what is there, every gap, and in plain words what can be rebuilt.
 */
import type { TableHistory } from "./inventory";
import { captureRuns, exactTimes, type ExactTimes, type PlanOptions } from "./plan";

export interface HistoryGap {
  readonly tier: "capture" | "incremental";
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

export interface HistorySummary {
  readonly gaps: readonly HistoryGap[];
  readonly exact: {
    readonly captureRanges: readonly { readonly from: string; readonly to: string }[];
    readonly incrementalPoints: { readonly first: string; readonly last: string; readonly every: string } | null;
    readonly fullExportsBackTo: string | null;
  };
  readonly sentence: string;
}

/** ISO time to the second (the stream's resolution). */
export function isoSecond(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function formatSpan(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min % 1440 === 0) return `${min / 1440} d`;
  if (min % 60 === 0) return `${min / 60} h`;
  return `${min} min`;
}

function gapsOf(h: TableHistory, opts: PlanOptions): HistoryGap[] {
  const gaps: HistoryGap[] = [];
  const runs = captureRuns(h, opts);
  for (let i = 1; i < runs.length; i++) {
    const missing = h.captureHours.find(
      (x) =>
        x.hour >= new Date(runs[i - 1]!.end).toISOString().slice(0, 13) &&
        Date.parse(`${x.hour}:00:00Z`) < runs[i]!.start,
    );
    const why =
      missing === undefined
        ? "no captured hour"
        : `hour ${missing.hour} is ${missing.status}${missing.problems[0] === undefined ? "" : `: ${missing.problems[0]}`}`;
    gaps.push({ tier: "capture", from: isoSecond(runs[i - 1]!.end), to: isoSecond(runs[i]!.start), why });
  }
  const wins = h.incrementals.filter((w) => w.verification !== "FAILED");
  let reach: number | undefined;
  for (const w of wins) {
    if (reach !== undefined && w.from > reach) {
      gaps.push({ tier: "incremental", from: isoSecond(reach), to: isoSecond(w.from), why: "no incremental export" });
    }
    reach = Math.max(reach ?? w.to, w.to);
  }
  for (const w of h.incrementals.filter((x) => x.verification === "FAILED")) {
    gaps.push({
      tier: "incremental",
      from: isoSecond(w.from),
      to: isoSecond(w.to),
      why: `export ${w.id} FAILED verification`,
    });
  }
  return gaps;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function sentenceOf(x: ExactTimes, h: TableHistory, backTo: number | null): string {
  const parts: string[] = [];
  if (x.ranges.length > 0) {
    parts.push(
      `restorable to any second ${x.ranges.map((r) => `from ${isoSecond(r.from)} to ${isoSecond(r.to)}`).join(" and ")} (capture)`,
    );
  } else {
    parts.push("no second-by-second restore (no usable capture)");
  }
  if (x.incrementalPoints.length > 0) {
    const every = formatSpan(median(h.incrementals.map((w) => w.to - w.from)));
    parts.push(
      `to export points from ${isoSecond(x.incrementalPoints[0]!)} to ${isoSecond(x.incrementalPoints[x.incrementalPoints.length - 1]!)} (incremental exports, every ${every})`,
    );
  }
  parts.push(backTo === null ? "no usable full export" : `full exports back to ${isoSecond(backTo)}`);
  return parts.join("; ");
}

export function summarize(h: TableHistory, opts: PlanOptions, now: number): HistorySummary {
  const x = exactTimes(h, opts, now);
  const bases = h.fullExports.filter((b) => b.verification !== "FAILED");
  const backTo = bases[0]?.consistentAt ?? null;
  const every = formatSpan(median(h.incrementals.map((w) => w.to - w.from)));
  return {
    gaps: gapsOf(h, opts),
    exact: {
      captureRanges: x.ranges.map((r) => ({ from: isoSecond(r.from), to: isoSecond(r.to) })),
      incrementalPoints:
        x.incrementalPoints.length === 0
          ? null
          : {
              first: isoSecond(x.incrementalPoints[0]!),
              last: isoSecond(x.incrementalPoints[x.incrementalPoints.length - 1]!),
              every,
            },
      fullExportsBackTo: backTo === null ? null : isoSecond(backTo),
    },
    sentence: sentenceOf(x, h, backTo),
  };
}
