/**
 * Lambda: publishes a failed step to the `<prefix>-dynamo-backup-failed` topic with what to do. See lib/pipeline/notify.ts.
 */
import { createLogger } from "../lib/logger";
import { snsClient } from "../lib/pipeline/clients";
import { requireEnv } from "../lib/pipeline/env";
import { publishFailure, type NotifyEvent } from "../lib/pipeline/notify";

const log = createLogger({ function: "notify" });

export async function handler(event: NotifyEvent): Promise<{ messageId: string | undefined; subject: string }> {
  const published = await publishFailure(snsClient(), requireEnv("ALARM_TOPIC_ARN"), event, requireEnv("DEPLOYMENT"));
  log.warn("failure published", {
    table: event.job?.table,
    stage: event.stage,
    error: published.errorName,
    messageId: published.messageId,
  });
  return { messageId: published.messageId, subject: published.subject };
}
