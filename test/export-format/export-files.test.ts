import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  copyFileSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  assertVerified,
  canonicalItem,
  CHECKPOINT_FILE,
  dataFileRel,
  encodeItemLine,
  ExportFormatError,
  md5Base64,
  openExport,
  openStore,
  parseLocation,
  readExportItems,
  schemaFromCatalog,
  serializeManifestFiles,
  serializeManifestSummary,
  startExport,
  verifyExport,
  writeCheckpoint,
  writeExport,
  type Item,
  type OpenedExport,
} from "../../lib/export-format";
import { DEFAULT_CATALOG, findTable } from "../../lib/catalog";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "exportfmt-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function items(n: number, from = 0): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    granuleId: { S: `g-${from + i}` },
    collectionId: { S: `c-${(from + i) % 7}` },
    size: { N: String((from + i) * 1000) },
    payload: { B: new Uint8Array([(from + i) % 256, 0, 255]) },
  }));
}

async function readAll(exp: OpenedExport): Promise<Item[]> {
  const out: Item[] = [];
  for (const entry of exp.files) for await (const batch of readExportItems(exp, entry)) out.push(...batch);
  return out;
}

async function writeSample(n = 2500, maxFileBytes = 40_000): Promise<string> {
  const out = join(dir, "backup");
  const schema = schemaFromCatalog(findTable(DEFAULT_CATALOG, "GranulesTable"), "prefix-GranulesTable");
  const batches = [items(1000), items(1000, 1000), items(n - 2000, 2000)];
  await writeExport(openStore(parseLocation(out)), batches, {
    schema,
    maxFileBytes,
    tableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/prefix-GranulesTable",
  });
  return out;
}

describe("writeExport → openExport → verifyExport (local folder)", () => {
  it("writes AWS's layout and reads every item back", async () => {
    const out = await writeSample();
    const exp = await openExport(out);
    expect(exp.summary).toMatchObject({
      itemCount: 2500,
      outputFormat: "DYNAMODB_JSON",
      s3Bucket: null,
      manifestFilesS3Key: "manifest-files.json",
    });
    expect(exp.summary.exportArn).toMatch(
      /^arn:aws:dynamodb:us-east-1:000000000000:table\/prefix-GranulesTable\/export\/\d{14}-[0-9a-f]{8}$/,
    );
    expect(exp.files.length).toBeGreaterThan(1);
    for (const f of exp.files) {
      expect(f.dataFileS3Key).toMatch(/^data\/[a-z2-7]{26}\.json\.gz$/);
      const bytes = readFileSync(join(out, f.dataFileS3Key));
      expect(md5Base64(bytes)).toBe(f.md5Checksum);
    }
    expect(exp.schema?.table.GlobalSecondaryIndexes?.[0]?.IndexName).toBe("collectionId-granuleId-index");
    const back = await readAll(exp);
    expect(back.map(canonicalItem).sort()).toEqual(items(2500).map(canonicalItem).sort());
    const report = await verifyExport(exp);
    expect(report).toMatchObject({
      ok: true,
      summaryItemCount: 2500,
      manifestItemCount: 2500,
      actualItemCount: 2500,
      problems: [],
      hasSchema: true,
    });
  });

  it("each line of a data file is exactly encodeItemLine(item)", async () => {
    const out = join(dir, "one");
    await writeExport(openStore(parseLocation(out)), [items(3)]);
    const exp = await openExport(out);
    const text = (await import("node:zlib"))
      .gunzipSync(readFileSync(join(out, exp.files[0]!.dataFileS3Key)))
      .toString();
    expect(text).toBe(
      items(3)
        .map((i) => `${encodeItemLine(i)}\n`)
        .join(""),
    );
  });

  it("an empty table gives an export with no data files that verifies", async () => {
    const out = join(dir, "empty");
    await writeExport(openStore(parseLocation(out)), []);
    const exp = await openExport(out);
    expect(exp.files).toEqual([]);
    expect((await verifyExport(exp)).ok).toBe(true);
  });

  it("refuses to write into a folder that is not empty", async () => {
    const out = await writeSample(2100);
    await expect(startExport(openStore(parseLocation(out)))).rejects.toThrow(
      /is not empty .*choose a new, empty location/,
    );
  });
});

describe("corruption is caught and names the file", () => {
  async function firstFile(out: string): Promise<{ exp: OpenedExport; path: string }> {
    const exp = await openExport(out);
    return { exp, path: join(out, dataFileRel(exp.files[0]!)) };
  }

  it("a flipped byte: md5 mismatch (verify) and a failing read", async () => {
    const out = await writeSample();
    const { path } = await firstFile(out);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(path, bytes);
    const exp = await openExport(out);
    const report = await verifyExport(exp);
    expect(report.ok).toBe(false);
    expect(report.problems.join("\n")).toContain(path);
    expect(() => assertVerified(report)).toThrow(path);
    await expect(readAll(exp)).rejects.toThrow(path);
  });

  it("a truncated gzip", async () => {
    const out = await writeSample();
    const { path } = await firstFile(out);
    truncateSync(path, Math.floor(statSync(path).size / 2));
    const report = await verifyExport(await openExport(out));
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.startsWith(path) && /truncated or damaged|md5/.test(p))).toBe(true);
  });

  it("a missing data file", async () => {
    const out = await writeSample();
    const { path } = await firstFile(out);
    rmSync(path);
    const exp = await openExport(out);
    const report = await verifyExport(exp);
    expect(report.problems).toContain(`${path}: missing (listed in manifest-files.json)`);
    await expect(readExportItems(exp, exp.files[0]!).next()).rejects.toThrow(
      `${path}: data file listed in manifest-files.json does not exist`,
    );
  });

  it("an extra data file", async () => {
    const out = await writeSample();
    const { path } = await firstFile(out);
    const extra = join(out, "data", "zzzzextra.json.gz");
    copyFileSync(path, extra);
    const report = await verifyExport(await openExport(out));
    expect(report.problems).toEqual([`${extra}: extra data file, not listed in manifest-files.json`]);
  });

  it("a manifest count that does not match the data", async () => {
    const out = await writeSample();
    const exp = await openExport(out);
    const files = exp.files.map((f, i) => (i === 0 ? { ...f, itemCount: f.itemCount + 1 } : f));
    writeFileSync(join(out, "manifest-files.json"), serializeManifestFiles(files));
    writeFileSync(
      join(out, "manifest-summary.json"),
      serializeManifestSummary({ ...exp.summary, itemCount: exp.summary.itemCount + 1 }),
    );
    const again = await openExport(out);
    const path = join(out, dataFileRel(again.files[0]!));
    const report = await verifyExport(again);
    expect(report.problems).toEqual([
      `${path}: holds ${files[0]!.itemCount - 1} items but manifest-files.json says ${files[0]!.itemCount}`,
    ]);
    await expect(readAll(again)).rejects.toThrow(path);
  });

  it("a summary whose itemCount disagrees with the file list", async () => {
    const out = await writeSample();
    const exp = await openExport(out);
    writeFileSync(join(out, "manifest-summary.json"), serializeManifestSummary({ ...exp.summary, itemCount: 1 }));
    const report = await verifyExport(await openExport(out));
    expect(report.problems).toEqual([
      `${join(out, "manifest-summary.json")}: itemCount is 1 but the files in manifest-files.json add up to 2500`,
    ]);
  });
});

describe("incomplete and foreign exports", () => {
  it("an interrupted backup (checkpoint, no summary) is refused with the resume command", async () => {
    const out = join(dir, "partial");
    const store = openStore(parseLocation(out));
    await startExport(store);
    await writeCheckpoint(store, { tableName: "prefix-GranulesTable" });
    const err = await openExport(out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportFormatError);
    expect((err as ExportFormatError).problem).toBe("incomplete");
    expect((err as Error).message).toContain(`${out} is an INCOMPLETE backup: it has no manifest-summary.json`);
    expect((err as Error).message).toContain(`dynamo-dr backup --table prefix-GranulesTable --out ${out} --resume`);
    expect(readFileSync(join(out, CHECKPOINT_FILE), "utf8")).toContain("prefix-GranulesTable");
  });

  it("an empty folder is 'not found'", async () => {
    await expect(openExport(dir)).rejects.toThrow(
      `no export found at ${dir}: expected manifest-summary.json there or under AWSDynamoDB/<exportId>/`,
    );
  });

  it("reads an AWS export below its prefix (AWSDynamoDB/<exportId>/, full S3 keys, empty partition file)", async () => {
    const id = "01700000000000-abcdef01";
    const root = join(dir, "AWSDynamoDB", id);
    const lines = items(5)
      .map((i) => `${encodeItemLine(i)}\n`)
      .join("");
    const gz = gzipSync(lines);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(root, "data"), { recursive: true });
    writeFileSync(join(root, "data", "aaaaaaaaaaaaaaaaaaaaaaaaaa.json.gz"), gz);
    writeFileSync(join(root, "data", "bbbbbbbbbbbbbbbbbbbbbbbbbb.json.gz"), Buffer.alloc(0));
    writeFileSync(join(root, "_started"), "");
    const key = (n: string): string => `my-prefix/AWSDynamoDB/${id}/data/${n}.json.gz`;
    writeFileSync(
      join(root, "manifest-files.json"),
      serializeManifestFiles([
        { itemCount: 5, md5Checksum: md5Base64(gz), etag: "x", dataFileS3Key: key("aaaaaaaaaaaaaaaaaaaaaaaaaa") },
        {
          itemCount: 0,
          md5Checksum: md5Base64(Buffer.alloc(0)),
          etag: "y",
          dataFileS3Key: key("bbbbbbbbbbbbbbbbbbbbbbbbbb"),
        },
      ]),
    );
    writeFileSync(
      join(root, "manifest-summary.json"),
      JSON.stringify({
        version: "2020-06-30",
        exportArn: `arn:aws:dynamodb:us-east-1:000000000000:table/T/export/${id}`,
        startTime: "2024-01-01T00:00:00.000Z",
        endTime: "2024-01-01T00:05:00.000Z",
        tableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/T",
        tableId: "00000000-0000-0000-0000-000000000000",
        exportTime: "2024-01-01T00:00:00.000Z",
        s3Bucket: "bucket",
        s3Prefix: "my-prefix",
        s3SseAlgorithm: "AES256",
        s3SseKmsKeyId: null,
        manifestFilesS3Key: `my-prefix/AWSDynamoDB/${id}/manifest-files.json`,
        billedSizeBytes: 1234,
        itemCount: 5,
        outputFormat: "DYNAMODB_JSON",
      }),
    );
    const exp = await openExport(dir);
    expect(exp.awsExportId).toBe(id);
    expect(exp.location).toBe(root);
    expect(exp.schema).toBeUndefined();
    expect((await readAll(exp)).map(canonicalItem)).toEqual(items(5).map(canonicalItem));
    expect((await verifyExport(exp)).ok).toBe(true);

    // A second export under the same prefix: the reader asks which one.
    mkdirSync(join(dir, "AWSDynamoDB", "01700000000001-abcdef02"), { recursive: true });
    copyFileSync(
      join(root, "manifest-summary.json"),
      join(dir, "AWSDynamoDB", "01700000000001-abcdef02", "manifest-summary.json"),
    );
    await expect(openExport(dir)).rejects.toThrow(
      /holds 2 exports; name one of them:\n.*AWSDynamoDB\/01700000000000-abcdef01\n.*AWSDynamoDB\/01700000000001-abcdef02/,
    );
  });
});

describe("a local folder store", () => {
  it("removes the folders a deleted or aborted file leaves empty, as an S3 prefix vanishes, never the root", async () => {
    const root = join(dir, "root");
    const store = openStore({ kind: "local", dir: root });
    await store.writeText("keep/a.txt", "a");
    await store.writeText("keep/deep/b.txt", "b");
    await store.writeText("gone/deep/c.txt", "c");
    await store.delete("keep/deep/b.txt");
    await store.delete("gone/deep/c.txt");
    expect(readdirSync(root).sort()).toEqual(["keep"]);
    expect(readdirSync(join(root, "keep"))).toEqual(["a.txt"]);
    const sink = await store.createFile("data/part.json.gz");
    await sink.write(Buffer.from("partial"));
    await sink.abort();
    await store.delete("keep/a.txt");
    expect(readdirSync(root)).toEqual([]);
  });
});
