/**
 * The verifier's resume cursor against S3 (moto_server on loopback): a verification stopped after any number of files
 * — by its deadline, or by a call that dies in the middle of a data file — and continued from its saved cursor reaches
 * the verdict one uninterrupted run reaches, including damage in files checked only after the resume.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetClients } from "../../lib/aws";
import {
  cursorMatches,
  dataFileRel,
  ExportFormatError,
  openExport,
  openStore,
  parseLocation,
  parseVerifyCursor,
  verifyExport,
  verifyExportPart,
  writeExport,
  type ExportStore,
  type Item,
  type OpenedExport,
  type VerifyCursor,
  type VerifyPartOptions,
  type VerifyReport,
  type VerifySummary,
} from "../../lib/export-format";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("verification resume tests", motoSkipReason());

const BUCKET = "verify-resume";
const FILES = 9;
const ITEMS_PER_FILE = 150;

function items(n: number, from: number): Item[] {
  return Array.from({ length: n }, (_, i) => ({
    id: { S: `item-${String(from + i).padStart(6, "0")}` },
    body: { S: `${from + i} `.repeat(40) },
  }));
}

/** What a continued verification must agree on with one uninterrupted run. */
function verdict(s: VerifySummary | VerifyReport): Omit<VerifySummary, "calls"> {
  const { calls: _calls, files: _files, ...rest } = s as VerifyReport;
  return rest;
}

describe.skipIf(skip)("verification resumed from a cursor (S3 on moto)", () => {
  let moto: Moto;
  let s3: S3Client;
  let cursorStore: ExportStore;

  beforeAll(async () => {
    moto = await startMoto();
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    resetClients();
    s3 = new S3Client({ endpoint: moto.endpoint, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    cursorStore = openStore(parseLocation(`s3://${BUCKET}/work`), s3);
  });
  afterAll(async () => {
    resetClients();
    await moto?.stop();
  });

  /** A fresh export of FILES data files under its own prefix. */
  async function writeSample(name: string): Promise<OpenedExport> {
    const batches = Array.from({ length: FILES }, (_, f) => items(ITEMS_PER_FILE, f * ITEMS_PER_FILE));
    // Each batch is larger than maxFileBytes, so each one is a file of its own.
    await writeExport(openStore(parseLocation(`s3://${BUCKET}/${name}`), s3), batches, { maxFileBytes: 1024 });
    const exp = await openExport(`s3://${BUCKET}/${name}`, { s3 });
    expect(exp.files).toHaveLength(FILES);
    return exp;
  }

  async function flipByte(exp: OpenedExport, index: number): Promise<string> {
    const key = `${exp.location.slice(`s3://${BUCKET}/`.length)}/${dataFileRel(exp.files[index]!)}`;
    const obj = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const bytes = Buffer.from(await obj.Body!.transformToByteArray());
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes }));
    return `s3://${BUCKET}/${key}`;
  }

  /** Saves the cursor as JSON in S3 and reads it back, as the verify Lambda does between invocations. */
  async function roundTrip(cursor: VerifyCursor, name: string): Promise<VerifyCursor> {
    await cursorStore.writeText(`${name}.json`, JSON.stringify(cursor));
    const text = await cursorStore.readText(`${name}.json`);
    return parseVerifyCursor(text!, cursorStore.describe(`${name}.json`));
  }

  /** Runs parts (each with a deadline already past) until done; returns the summary and the cursors seen. */
  async function inParts(
    exp: OpenedExport,
    name: string,
    opts: VerifyPartOptions,
    between: (cursor: VerifyCursor) => Promise<void> = async () => undefined,
  ): Promise<{ summary: VerifySummary; stops: number[] }> {
    const stops: number[] = [];
    let cursor = opts.cursor;
    for (let call = 0; call < 100; call++) {
      const part = await verifyExportPart(exp, { ...opts, ...(cursor === undefined ? {} : { cursor }), deadline: 0 });
      if (part.done) return { summary: part.summary, stops };
      stops.push(part.cursor.nextFile);
      await between(part.cursor);
      cursor = await roundTrip(part.cursor, name);
    }
    throw new Error("the verification did not finish in 100 calls");
  }

  it("continued call after call (2 files per call), it reaches the same verdict as one run", async () => {
    const exp = await writeSample("clean");
    const once: VerifyReport = await verifyExport(exp);
    expect(once).toMatchObject({ ok: true, calls: 1, actualItemCount: FILES * ITEMS_PER_FILE, problemCount: 0 });
    const { summary, stops } = await inParts(exp, "clean", { concurrency: 2 });
    expect(stops).toEqual([2, 4, 6, 8]);
    expect(summary.calls).toBe(5);
    expect(verdict(summary)).toEqual(verdict(once));
  });

  it("a file tampered with beyond the cursor is found after the resume, with the same problems as one run", async () => {
    const exp = await writeSample("tampered-later");
    let tampered = "";
    const { summary, stops } = await inParts(exp, "tampered-later", { concurrency: 3 }, async (cursor) => {
      // Between the first and the second call, damage a file the first call has not checked.
      if (cursor.nextFile === 3) tampered = await flipByte(exp, 7);
    });
    expect(stops).toEqual([3, 6]);
    expect(summary.ok).toBe(false);
    expect(summary.problems.length).toBeGreaterThan(0);
    expect(summary.problems.every((p) => p.startsWith(`${tampered}: `))).toBe(true);
    expect(summary.problems[0]).toMatch(/: md5 is .* but manifest-files\.json says /);
    const fresh = await verifyExport(exp);
    expect(verdict(summary)).toEqual(verdict(fresh));
  });

  it("a call that dies in the middle of a data file is continued from its last saved cursor to the same verdict", async () => {
    const exp = await writeSample("crash");
    const tampered = await flipByte(exp, 6);
    const once = await verifyExport(exp);
    expect(once.ok).toBe(false);

    // The 5th file's stream breaks after half of its bytes, as a dropped connection or a killed invocation would.
    const victim = dataFileRel(exp.files[4]!);
    const dying: OpenedExport = { ...exp, store: breakingStore(exp.store, victim) };
    const saved: number[] = [];
    await expect(
      verifyExportPart(dying, {
        concurrency: 1,
        onCursor: async (cursor) => {
          saved.push(cursor.nextFile);
          await cursorStore.writeText("crash.json", JSON.stringify(cursor));
        },
      }),
    ).rejects.toThrow("connection reset in the middle of the file (test)");
    expect(saved).toEqual([1, 2, 3, 4]);

    const cursor = parseVerifyCursor((await cursorStore.readText("crash.json"))!, "crash.json");
    expect(cursor).toMatchObject({ nextFile: 4, calls: 1, problemCount: 0 });
    const { summary } = await inParts(exp, "crash", { concurrency: 1, cursor });
    expect(summary.calls).toBe(1 + (FILES - 4));
    expect(summary.problems.every((p) => p.startsWith(`${tampered}: `))).toBe(true);
    expect(verdict(summary)).toEqual(verdict(once));
  });

  it("keeps the first maxProblems problem texts and the exact count", async () => {
    const exp = await writeSample("many-problems");
    for (const i of [1, 4, 8]) await flipByte(exp, i);
    const all = await verifyExport(exp);
    expect(all.problemCount).toBeGreaterThanOrEqual(6);
    const { summary } = await inParts(exp, "many-problems", { concurrency: 2, maxProblems: 2 });
    expect(summary.problemCount).toBe(all.problemCount);
    expect(summary.problems).toEqual(all.problems.slice(0, 2));
  });

  it("refuses a cursor made for another export, and a saved cursor that is not one", async () => {
    const exp = await writeSample("first");
    const other = await writeSample("second");
    const part = await verifyExportPart(exp, { concurrency: 2, deadline: 0 });
    expect(part.done).toBe(false);
    expect(cursorMatches(exp, part.cursor)).toBe(true);
    expect(cursorMatches(other, part.cursor)).toBe(false);
    await expect(verifyExportPart(other, { cursor: part.cursor })).rejects.toThrow(
      `the verification cursor was made for ${exp.location} with another manifest-files.json; start the verification of ${other.location} again`,
    );
    expect(() => parseVerifyCursor('{"nextFile": -1}', "s3://b/work/x.json")).toThrow(
      new ExportFormatError(
        "invalid",
        "s3://b/work/x.json",
        "s3://b/work/x.json: not a verification cursor (bad location, manifestDigest, nextFile, actualItemCount, compressedBytes, problemCount, calls, problems)",
      ),
    );
    expect(() => parseVerifyCursor("not json", "x.json")).toThrow(/^x\.json: not a verification cursor \(/);
  });
});

/** The store, except that `victim`'s stream fails after half of its bytes. */
function breakingStore(store: ExportStore, victim: string): ExportStore {
  const breaking = Object.create(store) as ExportStore;
  breaking.openRead = async (rel: string): Promise<Readable> => {
    const input = await store.openRead(rel);
    if (rel !== victim) return input;
    const chunks: Buffer[] = [];
    for await (const c of input) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    let sent = false;
    // Lazily, once the verifier reads: half of the bytes, then the stream fails.
    return new Readable({
      read() {
        if (sent) return;
        sent = true;
        this.push(bytes.subarray(0, bytes.length >> 1));
        setImmediate(() => this.destroy(new Error("connection reset in the middle of the file (test)")));
      },
    });
  };
  return breaking;
}
