/**
 * Shard lineage in sealing. A DynamoDB stream closes a shard and opens children (ParentShardId) as it scales; Lambda
 * reads a parent to its end before its children, so the captured changes must show the same: a parent is *finished*
 * before its child's first record. Sequence numbers are not consecutive, so "finished" is defined from what the stream
 * says (DescribeStream) and what was captured:
 *
 * - the parent is closed (it has an EndingSequenceNumber, the sequence number of its last record), and its captured
 *   chain reaches that number — otherwise the parent's last object(s) are missing (a hole before the child starts);
 * - no record of the child is older than the parent's last captured record, and the parent has no records in an hour
 *   after its child started — otherwise the child interleaves with an unfinished parent.
 *
 * What cannot be checked is reported as a note, not a failure: a shard the stream no longer lists (older than its
 * 24 hours) and no earlier seal remembered, a parent never captured (before capture began), a closed parent with no
 * captured object (a shard without records). The seal remembers every shard it has seen in the coverage file, so
 * lineage stays checkable after the stream forgets a shard as long as a seal ran within those 24 hours.
 */
import type { ShardHeads } from "./heads";
import type { StreamShard } from "./stream-shards";
import { compareSequence } from "./records";

/** Where one shard's objects of the hour start and end. */
export interface ShardSpan {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
  readonly firstObjectKey: string;
  /** ApproximateCreationDateTime of the first record (epoch ms). */
  readonly firstRecordMs: number;
  /** True when the first object starts the shard's chain (it names no object before it). */
  readonly startsChain: boolean;
}

export interface LineageInput {
  readonly hour: string;
  /** The hour's shards. */
  readonly spans: readonly ShardSpan[];
  /** Chain heads before the hour (undefined: not known) and after it. */
  readonly before: ShardHeads | undefined;
  readonly after: ShardHeads;
  /** Every shard known: listed by DescribeStream now or remembered from earlier seals. */
  readonly known: ReadonlyMap<string, StreamShard>;
}

export interface LineageResult {
  readonly problems: string[];
  readonly notes: string[];
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The checks of a child shard whose chain starts this hour against its parent. */
function checkParent(input: LineageInput, child: ShardSpan, parentId: string, out: LineageResult): void {
  const head = input.after[parentId];
  const parent = input.known.get(parentId);
  const c = `shard ${child.shardId}`;
  if (head === undefined) {
    if (parent === undefined) {
      out.notes.push(
        `${c}: its parent ${parentId} is neither listed by the stream nor captured (older than the stream's 24 hours, or from before capture began): lineage not checked`,
      );
    } else if (parent.endingSequenceNumber === undefined) {
      out.problems.push(
        `${c} has records (from ${child.firstSequenceNumber}, ${child.firstObjectKey}) while its parent ${parentId} is still open: a child must start after its parent is finished`,
      );
    } else {
      out.notes.push(
        `${c}: its parent ${parentId} is closed and has no captured object: taken as a shard without records`,
      );
    }
    return;
  }
  const headAt = head.lastRecordAt === undefined ? undefined : Date.parse(head.lastRecordAt);
  if (headAt !== undefined && child.firstRecordMs < headAt) {
    out.problems.push(
      `${c} interleaves with its unfinished parent ${parentId}: its first record (${child.firstSequenceNumber}, ${iso(child.firstRecordMs)}, ${child.firstObjectKey}) is older than the parent's last captured record (${head.lastSequenceNumber}, ${head.lastRecordAt}, ${head.objectKey})`,
    );
  }
  if (parent === undefined) {
    out.notes.push(
      `${c}: its parent ${parentId} is no longer listed by the stream (older than 24 hours); captured up to ${head.lastSequenceNumber} (${head.objectKey}), whether that is its end cannot be checked`,
    );
  } else if (parent.endingSequenceNumber === undefined) {
    out.problems.push(
      `${c} started (${child.firstObjectKey}) while its parent ${parentId} is still open (captured up to ${head.lastSequenceNumber}): a child must start after its parent is finished`,
    );
  } else if (compareSequence(head.lastSequenceNumber, parent.endingSequenceNumber) < 0) {
    out.problems.push(
      `missing object(s) at the end of shard ${parentId} before its child ${child.shardId} starts: the stream says its last record is ${parent.endingSequenceNumber}, its captured chain stops at ${head.lastSequenceNumber} (${head.objectKey}, hour ${head.hour})`,
    );
  }
}

/** A parent with records in this hour whose child started in an earlier hour. */
function checkLateParents(input: LineageInput, out: LineageResult): void {
  for (const span of input.spans) {
    for (const s of input.known.values()) {
      const childHead = input.before?.[s.shardId];
      if (s.parentShardId !== span.shardId || childHead === undefined) continue;
      out.problems.push(
        `shard ${span.shardId} has records in hour ${input.hour} (from ${span.firstSequenceNumber}, ${span.firstObjectKey}) after its child ${s.shardId} started (hour ${childHead.hour}): the child interleaves with an unfinished parent`,
      );
    }
  }
}

/** Checks the hour's shards against their lineage: problems fail the seal, notes say what could not be checked. */
export function checkLineage(input: LineageInput): LineageResult {
  const out: LineageResult = { problems: [], notes: [] };
  for (const span of input.spans) {
    if (!span.startsChain || input.before?.[span.shardId] !== undefined) continue;
    const shard = input.known.get(span.shardId);
    if (shard === undefined) {
      out.notes.push(
        `shard ${span.shardId}: not listed by the stream (older than its 24 hours, or a stream lane) and not seen by an earlier seal: lineage not checked`,
      );
    } else if (shard.parentShardId !== undefined) {
      checkParent(input, span, shard.parentShardId, out);
    }
  }
  checkLateParents(input, out);
  return out;
}
