/**
 * Image continuity: with NEW_AND_OLD_IMAGES, each record's OldImage is the NewImage of the record before it for the
 * same key (or absent when the item did not exist). A record that is missing — a lost batch, a record the stream
 * trimmed — shows as a record whose OldImage is not the last state captured for its key. Sequence numbers alone
 * cannot show it: they increase but are not consecutive.
 */
import { createHash } from "node:crypto";
import { canonicalItem, decodeWireItem } from "../export-format/item-codec";
import type { ChangeLine } from "./records";

/** The state of an item after a change, as a short digest; null when the item does not exist. */
export type StateDigest = string | null;

export function stateDigest(image: Record<string, unknown> | undefined, where: string): StateDigest {
  if (image === undefined) return null;
  return createHash("md5")
    .update(canonicalItem(decodeWireItem(image, where)))
    .digest("base64");
}

/** A stable string for a record's key (attribute order does not matter). */
export function keyString(line: Pick<ChangeLine, "Keys">, where: string): string {
  return canonicalItem(decodeWireItem(line.Keys, where));
}

interface LastState {
  readonly state: StateDigest;
  readonly seq: string;
  readonly objectKey: string;
}

/** Follows the keys of one shard through its records in stream order, reporting breaks. */
export class ContinuityTracker {
  private readonly last = new Map<string, LastState>();

  /** Returns a problem when the record does not continue from the last captured state of its key. */
  observe(line: ChangeLine, objectKey: string): string | undefined {
    const where = `${objectKey} record ${line.SequenceNumber}`;
    const key = keyString(line, where);
    const before = this.last.get(key);
    const old = stateDigest(line.OldImage, where);
    this.last.set(key, { state: stateDigest(line.NewImage, where), seq: line.SequenceNumber, objectKey });
    if (before === undefined || before.state === old) return undefined;
    return (
      `shard ${line.shardId}: records missing before ${line.SequenceNumber} (${line.eventName} in ${objectKey}): ` +
      `key ${key} changes from a state that is not the one captured last (record ${before.seq} in ${before.objectKey}); ` +
      `a batch was lost or the stream trimmed records`
    );
  }
}
