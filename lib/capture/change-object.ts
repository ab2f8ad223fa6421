/**
 * One change object: the gzip of a batch's JSON lines (one stream record per line), with its md5, record count and chain
 * link in the object's user metadata. Reading one back checks all of it and says, naming the object, what is wrong.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { md5Base64 } from "../export-format/checksum";
import { NO_PREVIOUS, OBJECT_METADATA } from "./config";
import { parseChangeObjectKey, type HourId, hourIdOf } from "./layout";
import { compareSequence, decodeChangeLine, encodeChangeLine, recordTimeMs, type ChangeLine } from "./records";

/** gzip level of change objects: they are kept for years, so smaller wins over the few ms level 1 would save. */
export const CAPTURE_GZIP_LEVEL = 6;

/** The object written before this one for the same shard. */
export interface ObjectRef {
  readonly lastSequenceNumber: string;
  readonly objectKey: string;
}

export interface EncodedChangeObject {
  readonly body: Buffer;
  readonly md5: string;
  readonly records: number;
  readonly metadata: Record<string, string>;
}

export function encodeChangeObject(
  lines: readonly ChangeLine[],
  shardId: string,
  streamArn: string,
  previous: ObjectRef | null,
): EncodedChangeObject {
  const text = lines.map((l) => `${encodeChangeLine(l)}\n`).join("");
  const body = gzipSync(Buffer.from(text, "utf8"), { level: CAPTURE_GZIP_LEVEL });
  const md5 = md5Base64(body);
  const first = lines[0]?.SequenceNumber ?? "";
  const last = lines[lines.length - 1]?.SequenceNumber ?? "";
  return {
    body,
    md5,
    records: lines.length,
    metadata: {
      [OBJECT_METADATA.md5]: md5,
      [OBJECT_METADATA.records]: String(lines.length),
      [OBJECT_METADATA.shardId]: shardId,
      [OBJECT_METADATA.first]: first,
      [OBJECT_METADATA.last]: last,
      [OBJECT_METADATA.previous]: previous?.lastSequenceNumber ?? NO_PREVIOUS,
      [OBJECT_METADATA.previousKey]: previous?.objectKey ?? NO_PREVIOUS,
      [OBJECT_METADATA.streamArn]: streamArn,
    },
  };
}

/** What a stored object says about itself, and what reading it found. */
export interface CheckedChangeObject {
  readonly key: string;
  readonly shardId: string;
  readonly first: string;
  readonly last: string;
  readonly previous: ObjectRef | null;
  /** The stream the records came from (object metadata); "" when the metadata lacks it. */
  readonly streamArn: string;
  readonly records: number;
  readonly md5: string;
  readonly lines: readonly ChangeLine[];
  /** Empty when the object is intact. */
  readonly problems: readonly string[];
}

function previousOf(meta: Readonly<Record<string, string>>): ObjectRef | null {
  const seq = meta[OBJECT_METADATA.previous];
  const key = meta[OBJECT_METADATA.previousKey];
  if (seq === undefined || seq === NO_PREVIOUS) return null;
  return { lastSequenceNumber: seq, objectKey: key ?? NO_PREVIOUS };
}

function decodeLines(url: string, body: Buffer, problems: string[]): ChangeLine[] {
  let text: string;
  try {
    text = gunzipSync(body).toString("utf8");
  } catch (err) {
    problems.push(`${url}: damaged: not a readable gzip (${(err as Error).message})`);
    return [];
  }
  const lines: ChangeLine[] = [];
  const raw = text.split("\n");
  if (raw[raw.length - 1] === "") raw.pop();
  for (let i = 0; i < raw.length; i++) {
    try {
      lines.push(decodeChangeLine(raw[i] as string, `${url} line ${i + 1}`));
    } catch (err) {
      problems.push(`damaged: ${(err as Error).message}`);
      return lines;
    }
  }
  return lines;
}

function checkLines(url: string, hour: HourId, c: Omit<CheckedChangeObject, "problems">, problems: string[]): void {
  const { lines } = c;
  if (lines.length !== c.records) {
    problems.push(`${url}: holds ${lines.length} records, its metadata records ${c.records}`);
  }
  const firstSeq = lines[0]?.SequenceNumber ?? c.first;
  const lastSeq = lines[lines.length - 1]?.SequenceNumber ?? c.last;
  if (compareSequence(firstSeq, c.first) !== 0 || compareSequence(lastSeq, c.last) !== 0) {
    problems.push(`${url}: its records run ${firstSeq}…${lastSeq}, its name and metadata say ${c.first}…${c.last}`);
  }
  lines.forEach((l, i) => {
    if (l.shardId !== c.shardId) problems.push(`${url} line ${i + 1}: shard ${l.shardId}, expected ${c.shardId}`);
    if (hourIdOf(recordTimeMs(l)) !== hour) {
      problems.push(
        `${url} line ${i + 1}: record ${l.SequenceNumber} is from hour ${hourIdOf(recordTimeMs(l))}, not ${hour}`,
      );
    }
    const prev = lines[i - 1];
    if (prev !== undefined && compareSequence(prev.SequenceNumber, l.SequenceNumber) >= 0) {
      problems.push(`${url} line ${i + 1}: sequence number ${l.SequenceNumber} does not follow ${prev.SequenceNumber}`);
    }
  });
}

/** Checks a stored object's bytes against its metadata (md5, count), its name and its hour. */
export function checkChangeObject(
  url: string,
  key: string,
  hour: HourId,
  body: Buffer,
  meta: Readonly<Record<string, string>>,
): CheckedChangeObject {
  const problems: string[] = [];
  const named = parseChangeObjectKey(key);
  const recorded = meta[OBJECT_METADATA.md5];
  const md5 = md5Base64(body);
  const count = Number(meta[OBJECT_METADATA.records]);
  if (recorded === undefined || !Number.isSafeInteger(count)) {
    problems.push(
      `${url}: has no md5/record-count metadata; it was not written by the capture function (or was copied without metadata)`,
    );
  } else if (recorded !== md5) {
    problems.push(`${url}: damaged: md5 of its bytes is ${md5}, the capture function recorded ${recorded}`);
  }
  const lines = problems.length === 0 ? decodeLines(url, body, problems) : [];
  const checked = {
    key,
    shardId: named?.shardId ?? meta[OBJECT_METADATA.shardId] ?? "?",
    first: meta[OBJECT_METADATA.first] ?? named?.first ?? "",
    last: meta[OBJECT_METADATA.last] ?? named?.last ?? "",
    previous: previousOf(meta),
    streamArn: meta[OBJECT_METADATA.streamArn] ?? "",
    records: Number.isSafeInteger(count) ? count : lines.length,
    md5,
    lines,
  };
  const sameName =
    named !== undefined &&
    compareSequence(named.first, checked.first) === 0 &&
    compareSequence(named.last, checked.last) === 0;
  if (!sameName)
    problems.push(`${url}: its name does not match its metadata (records ${checked.first}…${checked.last})`);
  if (problems.length === 0) checkLines(url, hour, checked, problems);
  return { ...checked, problems };
}
