/**
 * The inputs that switch and tune the export-and-verify pipeline (declared by modules/export-pipeline-variables.ts):
 * one row per Terraform variable. Imports lib/catalog.ts, lib/hcl.ts, lib/pipeline/config.ts (the pipeline's own
 * defaults and limits) and the IANA time zone list.
 */
import { TableCatalog, tableNames } from "../catalog";
import { hclList, hclString } from "../hcl";
import {
  DEFAULT_DRILL_SAMPLE_SIZE,
  DEFAULT_EXPORT_SCHEDULE,
  DEFAULT_LAMBDA_ARCHITECTURE,
  DEFAULT_LAMBDA_RUNTIME,
  DEFAULT_MAX_EXPORT_AGE_HOURS,
  DEFAULT_RESTORE_DRILL_SCHEDULE,
  DEFAULT_SCAN_SEGMENTS,
  DEFAULT_SCHEDULE_TIMEZONE,
  INCREMENTAL_MAX_MINUTES,
  INCREMENTAL_MIN_MINUTES,
  LAMBDA_ARCHITECTURES,
  LAMBDA_RUNTIMES,
  MAX_DRILL_SAMPLE_SIZE,
  MAX_EXPORT_AGE_HOURS_LIMIT,
  MAX_SCAN_SEGMENTS,
} from "../pipeline/config";
import { IANA_TIME_ZONES, IANA_TZ_VERSION } from "./iana-time-zones";
import { ModuleInput, tf } from "./types";
import { catalogNames, oneOf, scheduleValidation, wholeRange } from "./validations";

/** `rate(<n> minutes|hours)` as the incremental export interval. */
const INTERVAL_REGEX = String.raw`^rate\((1 hour|([2-9]|[1-9][0-9]+) (minutes|hours))\)$`;
const INTERVAL_PARTS = String.raw`^rate\(([0-9]+) (minute|minutes|hour|hours)\)$`;
/** S3 bucket naming rules (general purpose buckets). */
const BUCKET_NAME_REGEX = String.raw`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`;
export const SNS_PROTOCOLS = [
  "email",
  "email-json",
  "https",
  "sqs",
  "lambda",
  "sms",
  "firehose",
  "application",
] as const;
export const STORAGE_CLASSES = [
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER_IR",
  "GLACIER",
  "DEEP_ARCHIVE",
] as const;
/** S3 keeps objects at least 30 days in STANDARD before a transition to these classes. */
export const IA_CLASSES = ["STANDARD_IA", "ONEZONE_IA"] as const;
export const IA_MIN_DAYS = 30;
export const OBJECT_LOCK_MODES = ["GOVERNANCE", "COMPLIANCE"] as const;
export const MAX_RETENTION_DAYS = 36500;
/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const DEFAULT_ENABLE_EXPORT_PIPELINE = true;
export const DEFAULT_ENABLE_RESTORE_DRILL = false;
export const DEFAULT_TRANSITION_DAYS = 30;
export const DEFAULT_TRANSITION_STORAGE_CLASS = "GLACIER_IR";
export const DEFAULT_EXPIRATION_DAYS = 365;
export const DEFAULT_NONCURRENT_EXPIRATION_DAYS = 30;
export const DEFAULT_OBJECT_LOCK_DAYS = 30;
export const DEFAULT_LOG_RETENTION_DAYS = 90;

/** Values for the pipeline inputs (the deployable stack's `deploy.inputs`; they become the variables' defaults). */
export interface ExportPipelineInputValues {
  /** @default true */
  readonly enable_export_pipeline?: boolean;
  /** @default null (the point-in-time tables) */
  readonly export_tables?: readonly string[] | null;
  /** @default "cron(0 3 * * ? *)" */
  readonly export_schedule?: string;
  /** @default "UTC" */
  readonly export_schedule_timezone?: string;
  /** @default null (full exports only) */
  readonly incremental_export_interval?: string | null;
  /** @default 4 */
  readonly scan_export_segments?: number;
  /** @default null (a unique name generated from the prefix: "<prefix>-ddb-backups-<26 characters>") */
  readonly backup_bucket_name?: string | null;
  /** @default 30 */
  readonly backup_transition_days?: number | null;
  /** @default "GLACIER_IR" */
  readonly backup_transition_storage_class?: string;
  /** @default 365 */
  readonly backup_expiration_days?: number | null;
  /** @default 30 */
  readonly backup_noncurrent_version_expiration_days?: number;
  /** @default null (no Object Lock) */
  readonly backup_object_lock_mode?: string | null;
  /** @default 30 */
  readonly backup_object_lock_days?: number;
  /** @default [] */
  readonly alarm_subscriptions?: readonly { readonly protocol: string; readonly endpoint: string }[];
  /** @default 26 */
  readonly max_export_age_hours?: number;
  /** @default false */
  readonly enable_restore_drill?: boolean;
  /** @default "cron(0 6 ? * SUN *)" */
  readonly restore_drill_schedule?: string;
  /** @default 25 */
  readonly restore_drill_sample_size?: number;
  /** @default "nodejs22.x" */
  readonly lambda_runtime?: string;
  /** @default "arm64" */
  readonly lambda_architecture?: string;
  /** @default 90 */
  readonly lambda_log_retention_days?: number;
}

export type ExportPipelineInputName = keyof ExportPipelineInputValues;

/** A row may depend on the catalog (its table names). */
type Row = (catalog: TableCatalog) => ModuleInput<ExportPipelineInputName>;

/** `rate(<n> minutes|hours)` of incremental_export_interval, in minutes (a Terraform expression). */
const INTERVAL_MINUTES = `tonumber(regex(${hclString(INTERVAL_PARTS)}, var.incremental_export_interval)[0]) * (startswith(regex(${hclString(INTERVAL_PARTS)}, var.incremental_export_interval)[1], "hour") ? 60 : 1)`;

/** One row per variable, in declaration order. */
const ROWS: readonly Row[] = [
  () => ({
    name: "enable_export_pipeline",
    type: tf.bool,
    description:
      "Create the scheduled export-and-verify pipeline (backup bucket, key, state machines, Lambdas, alarms): true or false.",
    default: DEFAULT_ENABLE_EXPORT_PIPELINE,
    nullable: false,
  }),
  (c) => ({
    name: "export_tables",
    type: tf.list(tf.string),
    description: `Catalog names of the tables the pipeline exports, or null for the point-in-time tables (enable_point_in_time_tables). Tables with PITR get DynamoDB's native export; the others a parallel scan into the same format. Valid values: ${tableNames(c).join(", ")}.`,
    default: null,
    nullable: true,
    validation: [catalogNames("export_tables", tableNames(c), true)],
  }),
  () => ({
    name: "export_schedule",
    type: tf.string,
    description: `When full exports run: an EventBridge Scheduler expression, rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>). Default: ${DEFAULT_EXPORT_SCHEDULE}, daily at 03:00 in export_schedule_timezone.`,
    default: DEFAULT_EXPORT_SCHEDULE,
    nullable: false,
    validation: [scheduleValidation("export_schedule")],
  }),
  () => ({
    name: "export_schedule_timezone",
    type: tf.string,
    description: `IANA time zone of export_schedule and restore_drill_schedule cron expressions, e.g. UTC, Europe/Paris, America/New_York (a name of the tz database ${IANA_TZ_VERSION}, links included; case matters).`,
    default: DEFAULT_SCHEDULE_TIMEZONE,
    nullable: false,
    validation: [
      {
        condition: `\${contains(${hclList(IANA_TIME_ZONES)}, var.export_schedule_timezone)}`,
        errorMessage: `export_schedule_timezone must be an IANA time zone name such as UTC, Europe/Paris or America/New_York (a name of the tz database ${IANA_TZ_VERSION}, links included; case matters).`,
      },
    ],
  }),
  () => ({
    name: "incremental_export_interval",
    type: tf.string,
    description: `How often incremental exports run between the full ones, for the tables with PITR: null (full exports only) or rate(<n> minutes|hours) from ${INCREMENTAL_MIN_MINUTES} minutes to ${INCREMENTAL_MAX_MINUTES / 60} hours, e.g. rate(1 hour). Each incremental export covers the time since the table's last verified export.`,
    default: null,
    nullable: true,
    validation: [
      {
        condition: `\${var.incremental_export_interval == null || try(can(regex(${hclString(INTERVAL_REGEX)}, var.incremental_export_interval)) && ${INTERVAL_MINUTES} >= ${INCREMENTAL_MIN_MINUTES} && ${INTERVAL_MINUTES} <= ${INCREMENTAL_MAX_MINUTES}, false)}`,
        errorMessage: `incremental_export_interval must be null or rate(<n> minutes|hours) between ${INCREMENTAL_MIN_MINUTES} minutes and ${INCREMENTAL_MAX_MINUTES / 60} hours (DynamoDB's incremental export window), e.g. rate(1 hour) or rate(30 minutes).`,
      },
    ],
  }),
  () => ({
    name: "scan_export_segments",
    type: tf.number,
    description: `Parallel scan segments for tables exported by scan (those without PITR): a whole number from 1 to ${MAX_SCAN_SEGMENTS}.`,
    default: DEFAULT_SCAN_SEGMENTS,
    nullable: false,
    validation: [wholeRange("scan_export_segments", 1, MAX_SCAN_SEGMENTS)],
  }),
  () => ({
    name: "backup_bucket_name",
    type: tf.string,
    description:
      'Name of the backup bucket the module creates, or null for a unique generated name "<prefix>-ddb-backups-<26 characters>" (the prefix lowercased, at most 20 characters of it). 3-63 characters of a-z, 0-9, dot and hyphen.',
    default: null,
    nullable: true,
    validation: [
      {
        condition: `\${var.backup_bucket_name == null || (can(regex(${hclString(BUCKET_NAME_REGEX)}, var.backup_bucket_name)) && !strcontains(coalesce(var.backup_bucket_name, "-"), ".."))}`,
        errorMessage:
          "backup_bucket_name must be null or a legal S3 bucket name: 3-63 characters of a-z, 0-9, dot (.) and hyphen (-), starting and ending with a letter or digit, without two adjacent dots.",
      },
    ],
  }),
  () => ({
    name: "backup_transition_days",
    type: tf.number,
    description: `Days after which exports move to backup_transition_storage_class, or null to keep them in STANDARD. A whole number >= 1 (>= ${IA_MIN_DAYS} for ${IA_CLASSES.join(" and ")}).`,
    default: DEFAULT_TRANSITION_DAYS,
    nullable: true,
    validation: [
      {
        condition: `\${var.backup_transition_days == null || try(var.backup_transition_days >= 1 && floor(var.backup_transition_days) == var.backup_transition_days, false)}`,
        errorMessage: "backup_transition_days must be null or a whole number >= 1.",
      },
    ],
  }),
  () => ({
    name: "backup_transition_storage_class",
    type: tf.string,
    description: `S3 storage class exports move to after backup_transition_days: ${STORAGE_CLASSES.join(", ")}. GLACIER and DEEP_ARCHIVE objects must be restored before the verify and restore-drill Lambdas (or a restore) can read them.`,
    default: DEFAULT_TRANSITION_STORAGE_CLASS,
    nullable: false,
    // The rules between inputs (IA classes need >= 30 days; expiry after transition) are preconditions of the
    // lifecycle resource (modules/backup-bucket.ts): validation blocks may reference other inputs only from
    // Terraform 1.9, and the module supports 1.5.
    validation: [oneOf("backup_transition_storage_class", STORAGE_CLASSES)],
  }),
  () => ({
    name: "backup_expiration_days",
    type: tf.number,
    description: `Days after which exports and restore-drill reports expire, or null to keep them forever. A whole number from 1 to ${MAX_RETENTION_DAYS}, greater than backup_transition_days when both are set. With versioning, expired objects stay recoverable for backup_noncurrent_version_expiration_days.`,
    default: DEFAULT_EXPIRATION_DAYS,
    nullable: true,
    validation: [
      {
        condition: `\${var.backup_expiration_days == null || try(var.backup_expiration_days >= 1 && var.backup_expiration_days <= ${MAX_RETENTION_DAYS} && floor(var.backup_expiration_days) == var.backup_expiration_days, false)}`,
        errorMessage: `backup_expiration_days must be null or a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
      },
    ],
  }),
  () => ({
    name: "backup_noncurrent_version_expiration_days",
    type: tf.number,
    description: `Days a deleted or overwritten object version is kept before S3 removes it: a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
    default: DEFAULT_NONCURRENT_EXPIRATION_DAYS,
    nullable: false,
    validation: [wholeRange("backup_noncurrent_version_expiration_days", 1, MAX_RETENTION_DAYS)],
  }),
  () => ({
    name: "backup_object_lock_mode",
    type: tf.string,
    description: `S3 Object Lock default retention mode for the backup bucket: null (no Object Lock), GOVERNANCE (users with s3:BypassGovernanceRetention can still delete) or COMPLIANCE (nobody can delete a locked version, not even root, until its retention ends). Once enabled on a bucket, Object Lock cannot be turned off.`,
    default: null,
    nullable: true,
    validation: [
      {
        condition: `\${var.backup_object_lock_mode == null || contains(${hclList(OBJECT_LOCK_MODES)}, coalesce(var.backup_object_lock_mode, "-"))}`,
        errorMessage: `backup_object_lock_mode must be null, ${OBJECT_LOCK_MODES.join(" or ")}.`,
      },
    ],
  }),
  () => ({
    name: "backup_object_lock_days",
    type: tf.number,
    description: `Default Object Lock retention of every new object version, in days (used only when backup_object_lock_mode is set): a whole number from 1 to ${MAX_RETENTION_DAYS}.`,
    default: DEFAULT_OBJECT_LOCK_DAYS,
    nullable: false,
    validation: [wholeRange("backup_object_lock_days", 1, MAX_RETENTION_DAYS)],
  }),
  () => ({
    name: "alarm_subscriptions",
    type: tf.list(tf.object({ protocol: tf.string, endpoint: tf.string })),
    description: `Subscriptions to the "<prefix>-dynamo-backup-failed" SNS topic: a list of { protocol, endpoint }. Protocols: ${SNS_PROTOCOLS.join(", ")} (plain http is not allowed). Email subscriptions must be confirmed by their recipient.`,
    default: [],
    nullable: false,
    validation: [
      {
        condition: `\${alltrue([for s in var.alarm_subscriptions : contains(${hclList(SNS_PROTOCOLS)}, s.protocol) && length(s.endpoint) > 0])}`,
        errorMessage: `alarm_subscriptions entries need a protocol among ${SNS_PROTOCOLS.join(", ")} and a non-empty endpoint.`,
      },
    ],
  }),
  () => ({
    name: "max_export_age_hours",
    type: tf.number,
    description: `The RPO alarm fires when a table has had no verified export for this many hours: a whole number from 1 to ${MAX_EXPORT_AGE_HOURS_LIMIT} (CloudWatch evaluates at most 7 days). Keep it above the export interval plus the time an export and its verification take.`,
    default: DEFAULT_MAX_EXPORT_AGE_HOURS,
    nullable: false,
    validation: [wholeRange("max_export_age_hours", 1, MAX_EXPORT_AGE_HOURS_LIMIT)],
  }),
  () => ({
    name: "enable_restore_drill",
    type: tf.bool,
    description:
      "Run scheduled restore drills: ImportTable of each exported table's latest verified full export into a scratch table, compare, record the restore time, delete the scratch table. true or false. Each drill is billed as an import of the table's size.",
    default: DEFAULT_ENABLE_RESTORE_DRILL,
    nullable: false,
  }),
  () => ({
    name: "restore_drill_schedule",
    type: tf.string,
    description: `When restore drills run: rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>). Default: ${DEFAULT_RESTORE_DRILL_SCHEDULE}, weekly, Sunday 06:00 in export_schedule_timezone.`,
    default: DEFAULT_RESTORE_DRILL_SCHEDULE,
    nullable: false,
    validation: [scheduleValidation("restore_drill_schedule")],
  }),
  () => ({
    name: "restore_drill_sample_size",
    type: tf.number,
    description: `Items of the export a restore drill reads back from the scratch table and compares attribute by attribute: a whole number from 1 to ${MAX_DRILL_SAMPLE_SIZE}.`,
    default: DEFAULT_DRILL_SAMPLE_SIZE,
    nullable: false,
    validation: [wholeRange("restore_drill_sample_size", 1, MAX_DRILL_SAMPLE_SIZE)],
  }),
  () => ({
    name: "lambda_runtime",
    type: tf.string,
    description: `Lambda runtime of the pipeline's functions: ${LAMBDA_RUNTIMES.join(", ")}. nodejs20.x is past end of life; nodejs24.x needs an AWS provider that knows it (hashicorp/aws 5.100 does not).`,
    default: DEFAULT_LAMBDA_RUNTIME,
    nullable: false,
    validation: [oneOf("lambda_runtime", LAMBDA_RUNTIMES)],
  }),
  () => ({
    name: "lambda_architecture",
    type: tf.string,
    description: `Instruction set of the pipeline's functions: ${LAMBDA_ARCHITECTURES.join(" or ")}.`,
    default: DEFAULT_LAMBDA_ARCHITECTURE,
    nullable: false,
    validation: [oneOf("lambda_architecture", LAMBDA_ARCHITECTURES)],
  }),
  () => ({
    name: "lambda_log_retention_days",
    type: tf.number,
    description: `Days CloudWatch Logs keeps the pipeline functions' logs: one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    default: DEFAULT_LOG_RETENTION_DAYS,
    nullable: false,
    validation: [
      {
        condition: `\${contains([${LOG_RETENTION_DAYS.join(", ")}], var.lambda_log_retention_days)}`,
        errorMessage: `lambda_log_retention_days must be one of the values CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(", ")}.`,
      },
    ],
  }),
];

export function exportPipelineInputs(catalog: TableCatalog): readonly ModuleInput<ExportPipelineInputName>[] {
  return ROWS.map((row) => row(catalog));
}
