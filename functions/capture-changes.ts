/**
 * Lambda: captures a batch of DynamoDB Streams records into the backup bucket (`changes/<CatalogName>/…`), one gzip
 * JSON-lines object per batch and hour, chained per shard. Returns `{ batchItemFailures }` (partial batch response).
 * See lib/capture/capture.ts and the README's "Change capture" section.
 */
import { s3Client } from "../lib/aws";
import { captureChanges, type CaptureResult } from "../lib/capture/capture";
import { captureSettings } from "../lib/capture/env";
import { createLogger } from "../lib/logger";

const log = createLogger({ function: "capture-changes" });

export async function handler(event: unknown): Promise<CaptureResult> {
  try {
    return await captureChanges(event, { s3: s3Client(), settings: captureSettings(), log });
  } catch (err) {
    log.error("capture failed", { error: err });
    throw err;
  }
}
