/**
 * The seal run's alert: one message to the `<prefix>-dynamo-backup-failed` topic per run that found anything, saying
 * per table which hours failed and why, which cross-checks disagreed and on which keys, and what to do.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { MESSAGE_MAX, SUBJECT_MAX } from "../pipeline/notify";
import { truncate } from "../pipeline/errors";
import type { SealRunResult, TableSealReport } from "./seal-run";

export const SEAL_ACTIONS = {
  hour: "A FAILED hour is not complete: nothing may treat it as a restore source. A 'missing object' or 'records missing' means changes were lost between the stream and S3: check the capture function's failure queue (its messages name the shard and sequence range), the capture-errors alarm and the object's history (CloudTrail data events, bucket versioning). A 'damaged' object was changed after it was written: restore it from a previous version if versioning keeps one. A 'late object' arrived after its hour was sealed: reseal that hour by invoking the seal function with {\"hour\":\"<yyyy-mm-ddThh>\",\"tables\":[\"<table>\"]}. 'missing object(s) at the end of shard …' is a parent shard's last object(s) missing before its child started: treat it as a missing object. A child shard that 'interleaves with its unfinished parent' or started 'while its parent … is still open' had records captured before its parent was finished: the hour stays FAILED (every record is kept); restore that window from PITR or the exports. Until the cause is fixed, PITR (35 days) and the verified exports remain your restore sources.",
  crossCheck:
    "The capture and an incremental export of the same window disagree on the keys listed: one of the two tiers lost or altered a change. Compare the keys' captured records (changes/<table>/<hour>/…) with the export's lines; if the capture is wrong, treat the window's hours as incomplete; if the export is wrong, re-run the export. CAPTURE_INCOMPLETE means the window's hours failed to seal (see those hours).",
} as const;

function tableLines(r: TableSealReport): string[] {
  const lines: string[] = [];
  if (r.error !== undefined) lines.push(`  ${r.table}: the seal run stopped: ${r.error}`);
  for (const f of r.failed) {
    lines.push(`  ${r.table} hour ${f.hour} FAILED:`);
    for (const p of f.problems) lines.push(`    - ${p}`);
  }
  for (const c of r.crossChecks.filter((x) => x.status !== "AGREE")) {
    lines.push(`  ${r.table} cross-check with export ${c.exportId}: ${c.status}`);
    for (const m of c.mismatches ?? []) lines.push(`    - ${m}`);
  }
  return lines;
}

export function sealAlertText(result: SealRunResult, deployment: string): { subject: string; message: string } {
  const bad = result.tables.filter((t) => tableLines(t).length > 0);
  const subject = `[${deployment}] DynamoDB change capture: seal FAILED for ${bad.map((t) => t.table).join(", ")}`
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, SUBJECT_MAX);
  const message = [
    `Sealing the captured changes found problems in deployment "${deployment}":`,
    "",
    ...bad.flatMap(tableLines),
    "",
    `What to do (hours): ${SEAL_ACTIONS.hour}`,
    "",
    `What to do (cross-checks): ${SEAL_ACTIONS.crossCheck}`,
  ].join("\n");
  return { subject, message: truncate(message, MESSAGE_MAX) };
}

export async function publishSealAlert(
  sns: SNSClient,
  topicArn: string,
  result: SealRunResult,
  deployment: string,
): Promise<string | undefined> {
  const { subject, message } = sealAlertText(result, deployment);
  const res = await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
  return res.MessageId;
}
