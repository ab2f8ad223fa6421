import { describe, expect, it } from "vitest";
import {
  dataFileProblems,
  ExportFormatError,
  md5Base64,
  newDataFileKey,
  newExportId,
  parseIncrementalManifestSummary,
  parseManifestFiles,
  parseManifestSummary,
  serializeManifestFiles,
  serializeManifestSummary,
} from "../../lib/export-format";

/** A summary with the fields and values AWS's documentation shows for an export (fake account id). */
const awsSummary = {
  version: "2020-06-30",
  exportArn: "arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog/export/01234567890123-a1b2c3d4",
  startTime: "2020-11-04T07:28:34.028Z",
  endTime: "2020-11-04T07:33:43.897Z",
  tableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/ProductCatalog",
  tableId: "12345a12-abcd-123a-ab12-1234abc12345",
  exportTime: "2020-11-04T07:28:34.028Z",
  s3Bucket: "ddb-productcatalog-export",
  s3Prefix: "2020-Nov",
  s3SseAlgorithm: "AES256",
  s3SseKmsKeyId: null,
  manifestFilesS3Key: "2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-files.json",
  billedSizeBytes: 0,
  itemCount: 8,
  outputFormat: "DYNAMODB_JSON",
};

describe("manifest-summary.json", () => {
  it("reads AWS's summary and writes it back with the same fields in the same order", () => {
    const parsed = parseManifestSummary(JSON.stringify(awsSummary), "s3://b/manifest-summary.json");
    expect(parsed.itemCount).toBe(8);
    const written = JSON.parse(serializeManifestSummary(parsed)) as Record<string, unknown>;
    expect(Object.keys(written)).toEqual([...Object.keys(awsSummary), "exportType"]);
    expect(written).toEqual({ ...awsSummary, exportType: "FULL_EXPORT" });
  });

  it.each([
    [{ ...awsSummary, itemCount: -1 }, /manifest-summary\.json: "itemCount" must be a whole number >= 0, got -1/],
    [{ ...awsSummary, outputFormat: "ION" }, /outputFormat "ION" is not supported; only DYNAMODB_JSON is/],
    [{ ...awsSummary, exportType: "INCREMENTAL_EXPORT" }, /exportType "INCREMENTAL_EXPORT" is not supported/],
    [{ ...awsSummary, manifestFilesS3Key: 3 }, /"manifestFilesS3Key" must be a non-empty string, got 3/],
  ])("rejects a bad summary naming the file (%#)", (raw, message) => {
    expect(() => parseManifestSummary(JSON.stringify(raw), "/x/manifest-summary.json")).toThrow(message);
  });

  it("rejects text that is not JSON", () => {
    expect(() => parseManifestSummary("{", "/x/manifest-summary.json")).toThrow(
      /^\/x\/manifest-summary\.json: not valid JSON/,
    );
  });
});

/** An incremental export's summary: AWS adds the window and the output view, and has no exportTime. */
const awsIncrementalSummary = {
  version: "2023-08-01",
  exportArn: awsSummary.exportArn,
  startTime: "2024-01-10T10:05:00.000Z",
  endTime: "2024-01-10T10:20:00.000Z",
  tableArn: awsSummary.tableArn,
  tableId: awsSummary.tableId,
  exportFromTime: "2024-01-10T09:00:00.000Z",
  exportToTime: "2024-01-10T10:00:00.000Z",
  s3Bucket: awsSummary.s3Bucket,
  s3Prefix: "inc",
  s3SseAlgorithm: "AES256",
  s3SseKmsKeyId: null,
  manifestFilesS3Key: "inc/AWSDynamoDB/01234567890123-a1b2c3d4/manifest-files.json",
  billedSizeBytes: 12,
  itemCount: 3,
  outputFormat: "DYNAMODB_JSON",
  outputView: "NEW_AND_OLD_IMAGES",
  exportType: "INCREMENTAL_EXPORT",
};

describe("manifest-summary.json of an INCREMENTAL export (verifiable, not restorable)", () => {
  it("reads the window; its data time is the window's end", () => {
    const parsed = parseIncrementalManifestSummary(JSON.stringify(awsIncrementalSummary), "/x/manifest-summary.json");
    expect(parsed).toMatchObject({
      itemCount: 3,
      exportType: "INCREMENTAL_EXPORT",
      exportFromTime: "2024-01-10T09:00:00.000Z",
      exportToTime: "2024-01-10T10:00:00.000Z",
      exportTime: "2024-01-10T10:00:00.000Z",
      outputView: "NEW_AND_OLD_IMAGES",
      manifestFilesS3Key: awsIncrementalSummary.manifestFilesS3Key,
    });
  });

  it.each([
    [
      { ...awsIncrementalSummary, exportType: "FULL_EXPORT" },
      'exportType is "FULL_EXPORT", expected INCREMENTAL_EXPORT',
    ],
    [{ ...awsIncrementalSummary, exportFromTime: "" }, '"exportFromTime" must be a non-empty string, got ""'],
    [{ ...awsIncrementalSummary, itemCount: 1.5 }, '"itemCount" must be a whole number >= 0, got 1.5'],
    [{ ...awsIncrementalSummary, outputFormat: "ION" }, 'outputFormat "ION" is not supported'],
  ])("rejects a bad summary naming the file (%#)", (raw, message) => {
    expect(() => parseIncrementalManifestSummary(JSON.stringify(raw), "/x/manifest-summary.json")).toThrow(
      `/x/manifest-summary.json: ${message}`,
    );
  });
});

describe("manifest-files.json", () => {
  const line = {
    itemCount: 8,
    md5Checksum: "sQMSpEILNgoQmarvDFonGQ==",
    etag: "af83d6f217c19b8b0fff8023d8ca4716-1",
    dataFileS3Key: "2020-Nov/AWSDynamoDB/01234567890123-a1b2c3d4/data/asdl3oiyyhlodsf67ijldjd.json.gz",
  };

  it("reads and writes JSON lines in AWS's field order", () => {
    const text = `${JSON.stringify(line)}\n\n${JSON.stringify({ ...line, dataFileS3Key: "data/b.json.gz", itemCount: 0 })}\n`;
    const entries = parseManifestFiles(text, "m");
    expect(entries).toHaveLength(2);
    expect(serializeManifestFiles(entries)).toBe(
      `${JSON.stringify(line)}\n${JSON.stringify({ ...line, dataFileS3Key: "data/b.json.gz", itemCount: 0 })}\n`,
    );
  });

  it.each([
    [{ ...line, itemCount: "8" }, /line 1: "itemCount" must be a whole number >= 0, got "8"/],
    [{ ...line, md5Checksum: "abc" }, /line 1: "md5Checksum" must be a base64 MD5 \(24 characters\), got "abc"/],
    [{ ...line, dataFileS3Key: "" }, /line 1: "dataFileS3Key" must be a non-empty string/],
  ])("rejects a bad line naming file and line (%#)", (raw, message) => {
    expect(() => parseManifestFiles(JSON.stringify(raw), "/b/manifest-files.json")).toThrow(message);
    try {
      parseManifestFiles(JSON.stringify(raw), "/b/manifest-files.json");
    } catch (err) {
      expect(err).toBeInstanceOf(ExportFormatError);
      expect((err as ExportFormatError).file).toBe("/b/manifest-files.json");
    }
  });

  it("rejects a data file listed twice", () => {
    const text = `${JSON.stringify(line)}\n${JSON.stringify(line)}\n`;
    expect(() => parseManifestFiles(text, "m")).toThrow(/line 2: data file .* is listed twice/);
  });
});

describe("checksums and names", () => {
  it("md5Checksum is the base64 MD5 of the bytes", () => {
    expect(md5Base64("")).toBe("1B2M2Y8AsgTpgAmY7PhCfg==");
  });

  it("dataFileProblems explains a mismatch in words", () => {
    const entry = { itemCount: 3, md5Checksum: md5Base64("a"), etag: "", dataFileS3Key: "data/x.json.gz" };
    expect(dataFileProblems(entry, { md5Checksum: md5Base64("a"), itemCount: 3 })).toEqual([]);
    expect(dataFileProblems(entry, { md5Checksum: md5Base64("b"), itemCount: 2 })).toEqual([
      `md5 is ${md5Base64("b")} but manifest-files.json says ${md5Base64("a")} (the file was changed or damaged)`,
      "holds 2 items but manifest-files.json says 3",
    ]);
  });

  it("ids and data file names look like AWS's", () => {
    expect(newExportId(new Date(1_700_000_000_000))).toMatch(/^01700000000000-[0-9a-f]{8}$/);
    expect(newDataFileKey()).toMatch(/^data\/[a-z2-7]{26}\.json\.gz$/);
  });
});
