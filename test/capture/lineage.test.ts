/**
 * The lineage rules and the shard memory as pure functions, for the cases the server tests do not reach: a parent with
 * records in an hour after its child started, and what the coverage file remembers of shards the stream forgot.
 */
import { describe, expect, it } from "vitest";
import { emptyCoverage, rememberShards } from "../../lib/capture/coverage";
import { checkLineage, type ShardSpan } from "../../lib/capture/lineage";
import type { StreamShard } from "../../lib/capture/stream-shards";

const P = "shardId-00000001000000000000-aaaaaaaa";
const C = "shardId-00000001000000000001-bbbbbbbb";
const head = (seq: string, hour: string): { lastSequenceNumber: string; objectKey: string; hour: string } => ({
  lastSequenceNumber: seq,
  objectKey: `changes/T/${hour}/${seq}.json.gz`,
  hour,
});
const span = (shardId: string, first: string, startsChain: boolean): ShardSpan => ({
  shardId,
  firstSequenceNumber: first,
  firstObjectKey: `k-${first}`,
  firstRecordMs: Date.parse("2026-12-01T05:10:00Z"),
  startsChain,
});

describe("checkLineage", () => {
  const known = new Map<string, StreamShard>([
    [P, { shardId: P, endingSequenceNumber: "500" }],
    [C, { shardId: C, parentShardId: P }],
  ]);

  it("fails a parent that has records in an hour after its child started", () => {
    const before = { [P]: head("400", "2026-12-01T03"), [C]: head("600", "2026-12-01T04") };
    const r = checkLineage({
      hour: "2026-12-01T05",
      spans: [span(P, "450", false)],
      before,
      after: { ...before, [P]: head("500", "2026-12-01T05") },
      known,
    });
    expect(r.problems).toEqual([
      `shard ${P} has records in hour 2026-12-01T05 (from 450, k-450) after its child ${C} started (hour 2026-12-01T04): the child interleaves with an unfinished parent`,
    ]);
  });

  it("passes a child whose closed parent's chain reached its end, and notes a parent it cannot see", () => {
    const after = { [P]: head("500", "2026-12-01T05"), [C]: head("700", "2026-12-01T05") };
    const ok = checkLineage({ hour: "2026-12-01T05", spans: [span(C, "600", true)], before: {}, after, known });
    expect(ok).toEqual({ problems: [], notes: [] });
    const unseen = checkLineage({
      hour: "2026-12-01T05",
      spans: [span(C, "600", true)],
      before: {},
      after: { [C]: head("700", "2026-12-01T05") },
      known: new Map([[C, known.get(C)!]]),
    });
    expect(unseen.problems).toEqual([]);
    expect(unseen.notes).toEqual([
      `shard ${C}: its parent ${P} is neither listed by the stream nor captured (older than the stream's 24 hours, or from before capture began): lineage not checked`,
    ]);
  });
});

describe("rememberShards", () => {
  const now = new Date("2026-12-04T00:00:00Z");

  it("keeps what the stream lists now, remembered closed shards, and forgets after 72 hours", () => {
    const cov = emptyCoverage("T");
    cov.shards = {
      closed: { shardId: "closed", endingSequenceNumber: "9", seenAt: "2026-12-02T00:00:00.000Z" },
      open: { shardId: "open", seenAt: "2026-12-02T00:00:00.000Z" },
      old: { shardId: "old", endingSequenceNumber: "5", seenAt: "2026-11-30T23:59:59.000Z" },
    };
    const known = rememberShards(cov, [{ shardId: "listed", parentShardId: "closed" }], now);
    // A remembered shard last seen open may have closed since: unknown, not open.
    expect([...known.keys()].sort()).toEqual(["closed", "listed"]);
    expect(Object.keys(cov.shards).sort()).toEqual(["closed", "listed", "open"]);
    expect(cov.shards.listed).toEqual({ shardId: "listed", parentShardId: "closed", seenAt: now.toISOString() });
  });
});
