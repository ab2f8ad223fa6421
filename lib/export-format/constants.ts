/**
 * Names and limits of DynamoDB's native export layout (Export to S3, DYNAMODB_JSON), which this project's backups use too:
 *
 * ```
 * <root>/manifest-summary.json     one JSON object: itemCount, outputFormat, times, table, manifestFilesS3Key, …
 * <root>/manifest-files.json       JSON lines: {"itemCount","md5Checksum","etag","dataFileS3Key"} per data file
 * <root>/data/<id>.json.gz         gzip of JSON lines: {"Item":{<attribute>:{<type>:<value>}}} per item
 * <root>/schema.json               ours (AWS does not write it): a CreateTable-ready table description
 * ```
 *
 * An AWS export lives at `<s3Prefix>/AWSDynamoDB/<exportId>/` with the same files (without schema.json).
 */
export const MANIFEST_SUMMARY_FILE = "manifest-summary.json";
export const MANIFEST_FILES_FILE = "manifest-files.json";
export const SCHEMA_FILE = "schema.json";
export const DATA_DIR = "data";
export const DATA_FILE_SUFFIX = ".json.gz";
/** AWS writes this empty object when an export starts; we do too. */
export const STARTED_MARKER_FILE = "_started";
/** Ours: present while a backup is running or after it was interrupted; removed when the backup completes. */
export const CHECKPOINT_FILE = "_checkpoint.json";
/** The folder AWS puts exports under, below the requested S3 prefix. */
export const AWS_EXPORT_DIR = "AWSDynamoDB";

/** The manifest version AWS writes. */
export const MANIFEST_VERSION = "2020-06-30";
export const OUTPUT_FORMAT_DYNAMODB_JSON = "DYNAMODB_JSON";
export const EXPORT_TYPE_FULL = "FULL_EXPORT";
/** exportType of an incremental export (changes in a window; verifiable, not restorable). */
export const EXPORT_TYPE_INCREMENTAL = "INCREMENTAL_EXPORT";

/** Bytes in a MiB (file sizes are given in MiB on the command line). */
export const BYTES_PER_MIB = 1024 * 1024;
/**
 * Writers roll to a new data file once this many uncompressed JSON bytes are written (checked between pages, so a file
 * may exceed it by up to one page): the default of the backup command, the scan export and `writeExport`.
 */
export const DEFAULT_MAX_FILE_BYTES = 64 * BYTES_PER_MIB;

/** schema.json format version. */
export const SCHEMA_FORMAT_VERSION = 1;

/** DynamoDB's documented limits, used to validate decoded items. */
export const MAX_NESTING_DEPTH = 32;
export const MAX_NUMBER_PRECISION = 38;
export const ATTRIBUTE_TYPES = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"] as const;
export type AttributeTypeName = (typeof ATTRIBUTE_TYPES)[number];
