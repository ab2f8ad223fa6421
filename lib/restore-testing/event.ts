/**
 * The event the validation function gets: AWS Backup's "Restore Job State Change" (EventBridge) for a COMPLETED
 * restore-testing job. Parsed with zod; anything else is refused with a message naming the field.
 */
import { z } from "zod";
import {
  PROTECTED_RESOURCE_TYPE,
  RESTORE_EVENT_DETAIL_TYPE,
  RESTORE_EVENT_SOURCE,
  RESTORE_EVENT_STATUS,
} from "./config";
import { RestoreTestError } from "./errors";

const TABLE_ARN = /^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

const detailSchema = z.object({
  restoreJobId: z.string().min(1),
  status: z.literal(RESTORE_EVENT_STATUS),
  resourceType: z.literal(PROTECTED_RESOURCE_TYPE),
  createdResourceArn: z.string().regex(TABLE_ARN, "must be a DynamoDB table ARN"),
  restoreTestingPlanArn: z.string().min(1),
  /** Not in every event; the function then asks DescribeRestoreJob. */
  sourceResourceArn: z.string().regex(TABLE_ARN, "must be a DynamoDB table ARN").optional(),
});

const eventSchema = z.object({
  source: z.literal(RESTORE_EVENT_SOURCE),
  "detail-type": z.literal(RESTORE_EVENT_DETAIL_TYPE),
  detail: detailSchema,
});

export interface RestoreTestEvent {
  readonly restoreJobId: string;
  /** The table AWS Backup restored (and deletes when the validation window ends). */
  readonly restoredTableArn: string;
  readonly restoreTestingPlanArn: string;
  /** The protected table, when the event names it. */
  readonly sourceTableArn?: string;
}

/** The restore job of a COMPLETED restore test of a DynamoDB table, or InvalidRestoreTestEvent naming what is wrong. */
export function parseRestoreTestEvent(event: unknown): RestoreTestEvent {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "event" : issue.path.map(String).join(".");
    throw new RestoreTestError(
      "InvalidRestoreTestEvent",
      `not a completed AWS Backup restore test of a DynamoDB table: ${where}: ${issue?.message ?? "invalid"}. The function expects the EventBridge event {"source":"${RESTORE_EVENT_SOURCE}","detail-type":"${RESTORE_EVENT_DETAIL_TYPE}","detail":{"status":"${RESTORE_EVENT_STATUS}","resourceType":"${PROTECTED_RESOURCE_TYPE}","restoreJobId":…,"createdResourceArn":…,"restoreTestingPlanArn":…}}`,
    );
  }
  const d = parsed.data.detail;
  return {
    restoreJobId: d.restoreJobId,
    restoredTableArn: d.createdResourceArn,
    restoreTestingPlanArn: d.restoreTestingPlanArn,
    ...(d.sourceResourceArn === undefined ? {} : { sourceTableArn: d.sourceResourceArn }),
  };
}

/** The table name of a DynamoDB table ARN. */
export function tableNameOf(tableArn: string): string {
  return tableArn.slice(tableArn.indexOf(":table/") + ":table/".length);
}
