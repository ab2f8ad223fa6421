/**
 * The capture function's logic: check the event, find the table's catalog name, write the batch. Bad events and
 * settings throw (the function errors, the errors alarm fires, Lambda bisects and finally sends the batch to the
 * failure destination); a failed write reports the whole batch as failed so Lambda retries it from its first record.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Logger } from "../logger";
import type { CaptureSettings } from "./env";
import { CaptureConfigError } from "./errors";
import { parseStreamEvent } from "./records";
import { writeBatch, type WrittenObject } from "./writer";

export interface BatchItemFailure {
  readonly itemIdentifier: string;
}

export interface CaptureResult {
  readonly batchItemFailures: BatchItemFailure[];
  /**
   * Tumbling-window invocations only (the module turns windows on so that Lambda names the shard in `shardId`): Lambda
   * counts a window response without `state` as a failure. Capture keeps no state across calls, so it is always `{}`.
   */
  readonly state?: Record<string, string>;
}

/** The response for `event`: `{ batchItemFailures }`, plus `state` when Lambda sent a tumbling-window event. */
function respond(event: unknown, batchItemFailures: BatchItemFailure[]): CaptureResult {
  const windowed = typeof event === "object" && event !== null && "window" in event;
  return windowed ? { batchItemFailures, state: {} } : { batchItemFailures };
}

export interface CaptureDeps {
  readonly s3: S3Client;
  readonly settings: CaptureSettings;
  readonly log?: Logger;
}

/** The catalog name of a physical table, or a clear error listing the captured tables. */
export function catalogNameOf(settings: CaptureSettings, tableName: string, streamArn: string): string {
  const name = settings.tables.get(tableName);
  if (name === undefined) {
    throw new CaptureConfigError(
      `event source ${streamArn}: table ${JSON.stringify(tableName)} is not in CAPTURE_TABLES (captured: ${[...settings.tables.keys()].join(", ")}); add it to change_capture_tables and re-apply the module, or remove the event source mapping`,
    );
  }
  return name;
}

export async function captureChanges(event: unknown, deps: CaptureDeps): Promise<CaptureResult> {
  const batch = parseStreamEvent(event);
  if (batch === undefined) return respond(event, []);
  const table = catalogNameOf(deps.settings, batch.tableName, batch.streamArn);
  const first = batch.records[0]!.SequenceNumber;
  let written: WrittenObject[];
  try {
    written = await writeBatch(
      deps.s3,
      { bucket: deps.settings.bucket, table, kmsKeyArn: deps.settings.kmsKeyArn },
      batch,
    );
  } catch (err) {
    deps.log?.error("batch not captured; Lambda retries it", {
      table,
      shardId: batch.shardId,
      firstSequenceNumber: first,
      records: batch.records.length,
      error: err,
    });
    return respond(event, [{ itemIdentifier: first }]);
  }
  deps.log?.info("batch captured", {
    table,
    shardId: batch.shardId,
    records: batch.records.length,
    objects: written.map((w) => w.key),
  });
  return respond(event, []);
}
