/**
 * Names, limits and defaults of restore testing (AWS Backup restore testing of the module's tables, validated by the
 * validate-restore-test Lambda). Imports nothing from cdktf or the AWS SDK, so the Lambda can import it.
 */

/** The restore-testing Lambda: bundle name → entry file (relative to the project root). */
export const RESTORE_TESTING_FUNCTIONS = {
  "validate-restore-test": "functions/validate-restore-test.ts",
} as const;
export type RestoreTestingFunctionName = keyof typeof RESTORE_TESTING_FUNCTIONS;

/** Environment of the validation function (set by modules/restore-testing.ts). */
export const RESTORE_TEST_ENV = {
  deployment: "DEPLOYMENT",
  bucket: "BACKUP_BUCKET",
  /** JSON object: source table ARN → catalog name (the tables the restore testing selection covers). */
  tables: "RESTORE_TEST_TABLES",
  sampleSize: "RESTORE_TEST_SAMPLE_SIZE",
  alarmTopicArn: "ALARM_TOPIC_ARN",
} as const;

/** AWS Backup's EventBridge event for restore jobs, and the status the rule listens for. */
export const RESTORE_EVENT_SOURCE = "aws.backup";
export const RESTORE_EVENT_DETAIL_TYPE = "Restore Job State Change";
export const RESTORE_EVENT_STATUS = "COMPLETED";
/** The restore testing selection's protected resource type. */
export const PROTECTED_RESOURCE_TYPE = "DynamoDB";
/** The recovery points restore testing picks: the newest in the module's vault. */
export const RECOVERY_POINT_ALGORITHM = "LATEST_WITHIN_WINDOW";
export const RECOVERY_POINT_TYPES = ["SNAPSHOT"] as const;

/** Default of `restore_testing_schedule`: weekly, Wednesdays 07:00 UTC (after the daily 05:00 backup). */
export const DEFAULT_RESTORE_TESTING_SCHEDULE = "cron(0 7 ? * WED *)";
/** Default of `restore_testing_validation_window_hours`: the restored table is kept this long, then deleted. */
export const DEFAULT_VALIDATION_WINDOW_HOURS = 4;
/** AWS Backup allows a validation window of 1 to 168 hours. */
export const MIN_VALIDATION_WINDOW_HOURS = 1;
export const MAX_VALIDATION_WINDOW_HOURS = 168;
/** Hours AWS Backup may wait to start a restore test after its scheduled time. */
export const RESTORE_TESTING_START_WINDOW_HOURS = 1;
/** Recovery points newer than this many days are eligible (the selection window). */
export const RECOVERY_POINT_SELECTION_WINDOW_DAYS = 7;
/** Items compared attribute by attribute with the export, by default and at most. */
export const DEFAULT_RESTORE_TEST_SAMPLE_SIZE = 25;
export const MAX_RESTORE_TEST_SAMPLE_SIZE = 1000;
/** PutRestoreValidationResult's message is kept to this many characters (the rest goes to the alert and the log). */
export const VALIDATION_MESSAGE_MAX = 1000;
/** Mismatching keys named in a result. */
export const MISMATCHES_NAMED = 10;
