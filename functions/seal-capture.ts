/**
 * Lambda (scheduled): seals every closed hour of each captured table, writes the coverage file, cross-checks the
 * incremental exports whose window is sealed; on any failure publishes to ALARM_TOPIC_ARN and fails (so the
 * seal-errors alarm fires too). See lib/capture/seal-run.ts and the README's "Change capture" section.
 */
import { s3Client } from "../lib/aws";
import { publishSealAlert } from "../lib/capture/alert";
import { captureSettings } from "../lib/capture/env";
import { CaptureVerificationError } from "../lib/capture/errors";
import { runSeal, type SealRunResult } from "../lib/capture/seal-run";
import { describeStreamShards } from "../lib/capture/stream-shards";
import { createLogger } from "../lib/logger";
import { snsClient } from "../lib/pipeline/clients";

const log = createLogger({ function: "seal-capture" });

export async function handler(event: unknown): Promise<SealRunResult> {
  const settings = captureSettings();
  const result = await runSeal(
    s3Client(),
    {
      bucket: settings.bucket,
      catalogNames: [...new Set(settings.tables.values())].sort(),
      kmsKeyArn: settings.kmsKeyArn,
      shards: describeStreamShards,
    },
    event,
  );
  if (result.ok) {
    log.info("capture sealed", { tables: result.tables });
    return result;
  }
  log.error("capture seal failed", { tables: result.tables });
  if (settings.alarmTopicArn !== undefined) {
    await publishSealAlert(snsClient(), settings.alarmTopicArn, result, process.env.DEPLOYMENT ?? "dynamo-data-safe");
  }
  const failed = result.tables.filter(
    (t) => t.error !== undefined || t.failed.length > 0 || t.crossChecks.some((c) => c.status !== "AGREE"),
  );
  throw new CaptureVerificationError(
    `change capture seal failed for ${failed.map((t) => t.table).join(", ")}: ${JSON.stringify(failed).slice(0, 4000)}`,
  );
}
