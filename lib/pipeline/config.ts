/**
 * Names, limits and defaults of the export-and-verify pipeline, shared by the Terraform constructs (modules/), the
 * Lambda handlers (functions/), the bundler and the tests. Nothing here imports cdktf or the AWS SDK, so the Lambdas
 * can import it without pulling either into their bundles.
 */

/**
 * Lambda runtimes the module accepts for `lambda_runtime`, oldest first. nodejs20.x is past end of life (Lambda no
 * longer creates such functions); nodejs24.x needs an AWS provider that knows it (hashicorp/aws 5.100 does not).
 */
export const LAMBDA_RUNTIMES = ["nodejs22.x", "nodejs24.x"] as const;
export type LambdaRuntime = (typeof LAMBDA_RUNTIMES)[number];
export const DEFAULT_LAMBDA_RUNTIME: LambdaRuntime = "nodejs22.x";

/** `nodejs22.x` → `node22`: the esbuild target for a runtime. */
export function esbuildTargetFor(runtime: LambdaRuntime): string {
  const m = /^nodejs(\d+)\.x$/.exec(runtime);
  if (m === null) throw new Error(`lambda runtime "${runtime}" is not a nodejs<N>.x runtime`);
  return `node${m[1]}`;
}

/**
 * The bundles are built once, at synth, and must run on every runtime `lambda_runtime` accepts: they target the oldest.
 */
export const LAMBDA_BUNDLE_TARGET = esbuildTargetFor(LAMBDA_RUNTIMES[0]);

export const LAMBDA_ARCHITECTURES = ["arm64", "x86_64"] as const;
export const DEFAULT_LAMBDA_ARCHITECTURE = "arm64";

/** The generated backup bucket name starts with this many characters (at most) of the lowercased prefix. */
export const BUCKET_PREFIX_PART_MAX = 20;
/** `<prefix part>-ddb-backups-` + the 26 characters the provider appends (bucket_prefix is at most 37 characters). */
export const BUCKET_NAME_INFIX = "ddb-backups";

/**
 * How a generated backup bucket name starts for `prefix` (the module's HCL in modules/backup-bucket.ts does the same):
 * the prefix lowercased, characters other than a-z, 0-9 and hyphen made hyphens, cut to {@link BUCKET_PREFIX_PART_MAX},
 * trimmed of hyphens, then `-ddb-backups-`.
 */
export function generatedBucketNameStart(prefix: string): string {
  const part = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, BUCKET_PREFIX_PART_MAX)
    .replace(/^-+|-+$/g, "");
  return `${[part, BUCKET_NAME_INFIX].filter((x) => x !== "").join("-")}-`;
}

/** The Lambda functions of the pipeline: bundle name → entry file (relative to the project root). */
export const PIPELINE_FUNCTIONS = {
  "plan-exports": "functions/plan-exports.ts",
  "native-export": "functions/native-export.ts",
  "scan-export": "functions/scan-export.ts",
  "verify-export": "functions/verify-export.ts",
  "restore-drill": "functions/restore-drill.ts",
  notify: "functions/notify.ts",
} as const;
export type PipelineFunctionName = keyof typeof PIPELINE_FUNCTIONS;
export const PIPELINE_FUNCTION_NAMES = Object.keys(PIPELINE_FUNCTIONS).sort() as PipelineFunctionName[];

/** Every bundle is `index.js` in its zip; the handler export is `handler`. */
export const LAMBDA_HANDLER = "index.handler";

// ---------------------------------------------------------------------------------------------------------------
// Backup bucket layout. Everything the pipeline writes lives under one of these top-level prefixes.
// ---------------------------------------------------------------------------------------------------------------

/** Exports: `exports/<CatalogName>/AWSDynamoDB/<exportId>/…` (AWS's native layout below the prefix). */
export const EXPORTS_PREFIX = "exports";
/** Pointers to the latest verified exports: `state/<CatalogName>/latest-verified.json`. Never expired. */
export const STATE_PREFIX = "state";
/** Scratch state of running scans (checkpoints). Expired after a few days by the lifecycle rules. */
export const WORK_PREFIX = "work";
/** Restore drill reports: `reports/restore-drills/<CatalogName>/<timestamp>.json`. */
export const REPORTS_PREFIX = "reports";
/** Days after which `work/` objects are removed. */
export const WORK_EXPIRATION_DAYS = 7;
/** Days after which incomplete multipart uploads are aborted. */
export const ABORT_MULTIPART_DAYS = 7;

/** Written beside `manifest-summary.json` by the verify Lambda. */
export const VERIFICATION_REPORT_FILE = "verification-report.json";

// ---------------------------------------------------------------------------------------------------------------
// Schedules and limits.
// ---------------------------------------------------------------------------------------------------------------

export const DEFAULT_EXPORT_SCHEDULE = "cron(0 3 * * ? *)";
export const DEFAULT_RESTORE_DRILL_SCHEDULE = "cron(0 6 ? * SUN *)";
export const DEFAULT_SCHEDULE_TIMEZONE = "UTC";
/** DynamoDB incremental exports cover at least 15 minutes and at most 24 hours. */
export const INCREMENTAL_MIN_MINUTES = 15;
export const INCREMENTAL_MAX_MINUTES = 24 * 60;
/** The RPO alarm looks at hourly datapoints; CloudWatch evaluates at most 7 days of them. */
export const MAX_EXPORT_AGE_HOURS_LIMIT = 7 * 24;
/** Daily exports plus time for the export and the verification to finish. */
export const DEFAULT_MAX_EXPORT_AGE_HOURS = 26;
export const DEFAULT_SCAN_SEGMENTS = 4;
export const MAX_SCAN_SEGMENTS = 100;
export const DEFAULT_DRILL_SAMPLE_SIZE = 25;
export const MAX_DRILL_SAMPLE_SIZE = 1000;
/** Seconds the state machines wait between polls of a running export or import. */
export const POLL_INTERVAL_SECONDS = 60;

// ---------------------------------------------------------------------------------------------------------------
// Metrics (CloudWatch embedded metric format).
// ---------------------------------------------------------------------------------------------------------------

export const METRICS_NAMESPACE = "DynamoDataSafe/ExportPipeline";
/** Dimensions of every pipeline metric: the module's prefix and the catalog table name. */
export const METRIC_DIMENSIONS = ["Deployment", "Table"] as const;
export const METRIC = {
  verifiedExports: "VerifiedExports",
  verificationFailures: "VerificationFailures",
  exportedItems: "ExportedItems",
  exportedBytes: "ExportedBytes",
  exportAgeSeconds: "ExportAgeSeconds",
  restoreDrillSeconds: "RestoreDrillSeconds",
  restoreDrillSuccess: "RestoreDrillSuccess",
} as const;

/** The SNS topic name suffix: `<prefix>-dynamo-backup-failed`. */
export const ALARM_TOPIC_SUFFIX = "dynamo-backup-failed";
