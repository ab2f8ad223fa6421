/**
 * THE export-format library: the one place that knows DynamoDB's export layout. Every producer and consumer in the
 * project uses it — the backup/restore/verify commands, the export and verify Lambdas, restore-from-export.
 * Subsystem lib/export-format: may import only the core files, lib/aws.ts and lib/errors.ts
 * (test/house/dependencies.test.ts holds the rules).
 *
 * ## The layout (AWS's Export to S3, DYNAMODB_JSON, plus our schema.json)
 *
 * ```
 * <export folder>/                        a local folder, s3://bucket/prefix, or AWS's <prefix>/AWSDynamoDB/<exportId>/
 *   manifest-summary.json                 {"version","exportArn","startTime","endTime","tableArn","tableId","exportTime",
 *                                          "s3Bucket","s3Prefix","s3SseAlgorithm","s3SseKmsKeyId","manifestFilesS3Key",
 *                                          "billedSizeBytes","itemCount","outputFormat":"DYNAMODB_JSON","exportType"}
 *   manifest-files.json                   JSON lines: {"itemCount","md5Checksum"(base64 MD5 of the .gz),"etag","dataFileS3Key"}
 *   data/<26 random chars>.json.gz        gzip of lines {"Item":{"attr":{"S":"…"},…}} (N as strings, B as base64)
 *   schema.json                           ours: CreateTable-ready keys, attributes, GSIs/LSIs, stream, TTL attribute
 *   _started                              marker written first (AWS does the same)
 *   _checkpoint.json                      ours: present only while a backup runs or after it was interrupted
 * ```
 *
 * manifest-summary.json is always written LAST, so an export without it is incomplete and every reader refuses it.
 * Data files are located as `data/<file name of dataFileS3Key>` next to the manifests, so a copy of an export (S3 → disk,
 * disk → S3) reads the same wherever it is.
 *
 * ## API at a glance
 *
 * - Items: {@link encodeItemLine} / {@link decodeItemLine} (lossless, pure), {@link canonicalItem}, {@link itemKeyString}.
 * - Checksums: {@link md5Base64}, {@link Md5Stream}, {@link dataFileProblems} (a data file vs its manifest entry).
 * - Manifests: {@link parseManifestSummary} (FULL exports), {@link parseIncrementalManifestSummary} (INCREMENTAL:
 *   verifiable, not restorable), {@link serializeManifestSummary}, {@link parseManifestFiles},
 *   {@link serializeManifestFiles}, {@link newExportId}, {@link newDataFileKey}.
 * - Schema: {@link schemaFromDescription} (DescribeTable → schema.json), {@link schemaFromCatalog},
 *   {@link createTableInput} (schema.json → CreateTable on on-demand), {@link parseSchema}, {@link keyAttributeNames}.
 * - Locations: {@link parseLocation} (`s3://…` or a folder), {@link openStore}.
 * - Reading: {@link openExport} (ours or AWS's, finds `AWSDynamoDB/<id>/`), {@link openIncrementalExport} (AWS's
 *   incremental exports, for the verify Lambda), {@link readExportItems} (decoded items in
 *   streamed batches, md5 + count checked at the end), {@link readExportLines} (the raw lines, for consumers that pass
 *   them on), {@link readDataFile}, {@link readDataFileLines}, {@link measureDataFile} (never throws; reports damage).
 * - Verifying (the one verifier of the project): {@link verifyExport} → {@link VerifyReport} (per-file md5/count,
 *   missing/extra files, totals), {@link assertVerified}; {@link verifyExportPart} checks until a deadline and returns
 *   a {@link VerifyCursor} to continue from (the verify Lambda's time budget), {@link parseVerifyCursor}.
 * - Writing: {@link startExport}, {@link openDataFile} → {@link DataFileWriter} (`writeItems`, `writeWireItems`,
 *   `writeLineBlock`), {@link writeCheckpoint}, {@link finishExport}; or {@link writeExport} in one call.
 *
 * Errors are {@link ExportFormatError} with a `problem` ("corrupt" | "incomplete" | "not-found" | "invalid" |
 * "ambiguous"), the error `kind` that follows from it (lib/errors.ts) and the `file` they are about; the message
 * always names the file.
 */
export * from "./constants";
export * from "./errors";
export * from "./item-codec";
export * from "./checksum";
export * from "./manifest";
export * from "./schema";
export * from "./store";
export * from "./data-file";
export * from "./export-reader";
export * from "./export-writer";
export * from "./verify";
