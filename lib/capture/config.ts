/**
 * Names, limits and defaults of change capture (DynamoDB Streams → S3), shared by the two Lambdas (functions/), the
 * bundler, the benchmark and the tests. Imports nothing from cdktf or the AWS SDK, so the Lambdas can import it.
 */

/** The change-capture Lambdas: bundle name → entry file (relative to the project root). */
export const CAPTURE_FUNCTIONS = {
  "capture-changes": "functions/capture-changes.ts",
  "seal-capture": "functions/seal-capture.ts",
} as const;
export type CaptureFunctionName = keyof typeof CAPTURE_FUNCTIONS;
export const CAPTURE_FUNCTION_NAMES = Object.keys(CAPTURE_FUNCTIONS).sort() as CaptureFunctionName[];

/** Environment of the capture functions (set by modules/change-capture.ts). */
export const CAPTURE_ENV = {
  bucket: "BACKUP_BUCKET",
  /** JSON object: physical table name → catalog name. */
  tables: "CAPTURE_TABLES",
  /** Optional: SSE-KMS key for the objects the capture function writes. */
  kmsKeyArn: "CAPTURE_KMS_KEY_ARN",
  /** Optional (seal function): SNS topic for seal and cross-check failures. */
  alarmTopicArn: "ALARM_TOPIC_ARN",
} as const;

/** Captured changes: `changes/<CatalogName>/<yyyy>/<mm>/<dd>/<hh>/<shardId>/<first>-<last>.json.gz`. */
export const CHANGES_PREFIX = "changes";
/** `state/capture/<CatalogName>/`: the per-shard chain pointers and the coverage file. */
export const CAPTURE_STATE_DIR = "capture";
export const COVERAGE_FILE = "coverage.json";
/** Suffix of a change object (gzip of JSON lines, one stream record per line). */
export const CHANGE_OBJECT_SUFFIX = ".json.gz";
/** Sequence numbers are left-padded with zeros to this width in object names, so names sort in stream order. */
export const SEQUENCE_NAME_WIDTH = 40;

/** The only stream view that keeps enough to replay and audit every change. */
export const REQUIRED_STREAM_VIEW = "NEW_AND_OLD_IMAGES";
/** DynamoDB Streams keeps records for 24 hours. */
export const STREAM_RETENTION_HOURS = 24;

/** User metadata (`x-amz-meta-…`) every change object carries. */
export const OBJECT_METADATA = {
  /** base64 MD5 of the object's bytes (the gzip), as manifest-files.json records it. */
  md5: "md5",
  records: "record-count",
  shardId: "shard-id",
  first: "first-sequence-number",
  last: "last-sequence-number",
  /** Last sequence number of the object written before this one for the same shard, or "none" for a shard's first. */
  previous: "previous-sequence-number",
  /** Key of that previous object (so a deleted object is named by the one after it), or "none". */
  previousKey: "previous-object-key",
  /** The stream the records came from. */
  streamArn: "stream-arn",
  /**
   * Set on an emptied object whose batch Lambda retried in a different shape (bisected): its records live in the
   * retry's objects, named here. Sealing skips such objects; they stay as an audit trail.
   */
  supersededBy: "superseded-by",
} as const;
export const NO_PREVIOUS = "none";

/** An hour is sealed this long after it ends (records reach the capture function up to the iterator age late). */
export const DEFAULT_SEAL_GRACE_MINUTES = 90;
/** At most this many hours are sealed per table in one run (a backlog is worked off over several runs). */
export const MAX_HOURS_PER_RUN = 48;
/**
 * The seal remembers each shard the stream listed (with its parent and end) this long after it last saw it, so lineage
 * stays checkable for a backlog of hours after DynamoDB Streams (24 hours) forgets the shard.
 */
export const REMEMBER_SHARDS_HOURS = 72;
/** Problems listed per hour in the coverage file and in an alert (the hour's summary keeps them all). */
export const MAX_PROBLEMS_LISTED = 20;
/** Keys named per cross-check in the coverage file and in an alert. */
export const MAX_KEYS_LISTED = 50;

/** Hour summary format version (manifest-summary.json of a sealed hour). */
export const CAPTURE_MANIFEST_VERSION = "capture-2026-12-01";
