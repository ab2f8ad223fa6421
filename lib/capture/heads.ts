/**
 * Where each shard's captured chain stands: its last object (and that object's hour and last record time). Sealing
 * moves the heads hour by hour; the next hour's chain must continue from them (lib/capture/seal.ts, boundary.ts,
 * lineage.ts).
 */
import type { ObjectRef } from "./change-object";
import type { HourId } from "./layout";

/** A shard's last captured object: where its chain continues. */
export type ShardHead = ObjectRef & {
  readonly hour: HourId;
  /** ApproximateCreationDateTime of its last record (ISO); absent in heads written before lineage was checked. */
  readonly lastRecordAt?: string;
};

/** Where each shard's chain stood after the hours sealed before (previous hour's summary, or the coverage file). */
export type ShardHeads = Readonly<Record<string, ShardHead>>;
