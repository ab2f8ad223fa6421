/**
 * Lambda: verifies an export (md5 and item count of every data file), writes its report, moves the "latest verified"
 * pointers and emits metrics; resumed until done for big exports. See lib/pipeline/verify.ts.
 */
import { s3Client } from "../lib/aws";
import { createLogger } from "../lib/logger";
import { requireEnv } from "../lib/pipeline/env";
import { deadlineOf, type LambdaContext } from "../lib/pipeline/lambda-context";
import { verifyStep, type VerifyEvent, type VerifyStepResult } from "../lib/pipeline/verify";

const log = createLogger({ function: "verify-export" });

export async function handler(event: VerifyEvent, context?: LambdaContext): Promise<VerifyStepResult> {
  try {
    const result = await verifyStep(s3Client(), event, {
      deployment: requireEnv("DEPLOYMENT"),
      deadline: deadlineOf(context),
    });
    log.info(result.done ? "export verified" : "verification in progress", {
      table: event.job.table,
      exportDir: event.export.exportDir,
      ...result,
    });
    return result;
  } catch (err) {
    log.error("verification failed", { table: event.job?.table, exportDir: event.export?.exportDir, error: err });
    throw err;
  }
}
