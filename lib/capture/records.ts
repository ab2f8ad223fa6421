/**
 * Stream records in and out: the DynamoDB Streams event Lambda delivers (checked field by field, errors name the record
 * and the field) and the JSON line each record becomes in a change object. Item values (Keys, NewImage, OldImage) stay
 * in DynamoDB's JSON wire form exactly as the stream gave them (N as strings, B as base64), checked by the project's
 * item codec and never rebuilt by assignment, so an attribute named `__proto__` survives.
 */
import { createHash } from "node:crypto";
import { validateWireItem } from "../export-format/item-codec";
import { REQUIRED_STREAM_VIEW } from "./config";
import { CaptureInputError } from "./errors";

export const EVENT_NAMES = ["INSERT", "MODIFY", "REMOVE"] as const;
export type ChangeEventName = (typeof EVENT_NAMES)[number];
type WireItem = Record<string, unknown>;

/** One line of a change object (field order fixed). */
export interface ChangeLine {
  readonly eventID: string;
  readonly eventName: ChangeEventName;
  readonly shardId: string;
  readonly SequenceNumber: string;
  /** Epoch seconds, as the stream gave it. */
  readonly ApproximateCreationDateTime: number;
  /** `{"type":"Service","principalId":"dynamodb.amazonaws.com"}` for TTL deletes; null for user writes. */
  readonly userIdentity: unknown;
  readonly Keys: WireItem;
  readonly NewImage?: WireItem;
  readonly OldImage?: WireItem;
  readonly SizeBytes?: number;
}

/** A delivered batch, checked: one stream, one shard, records in stream order. */
export interface StreamBatch {
  readonly streamArn: string;
  /** The physical table the stream belongs to. */
  readonly tableName: string;
  readonly shardId: string;
  /** True when Lambda named the shard (tumbling-window events); false for a stream lane. */
  readonly shardKnown: boolean;
  readonly records: readonly ChangeLine[];
}

const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]*:\d{12}:table\/([A-Za-z0-9_.-]{3,255})\/stream\/[^/]+$/;
const SEQUENCE = /^\d{1,40}$/;

function bad(where: string, message: string): never {
  throw new CaptureInputError(`${where}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The physical table name of a stream ARN. */
export function tableOfStreamArn(arn: string, where = "eventSourceARN"): string {
  const m = STREAM_ARN.exec(arn);
  if (m === null) {
    bad(
      where,
      `${JSON.stringify(arn)} is not a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)`,
    );
  }
  return m[1] as string;
}

/**
 * The shard a batch came from. Lambda names it in the event only for tumbling-window invocations (`shardId`); otherwise
 * the batch is filed under a lane named after the stream (`stream-<hash>`), which is exact only while Lambda processes
 * one shard of the stream at a time — the seal reports a broken chain if that was not so.
 */
export function shardOf(event: Record<string, unknown>, streamArn: string): string {
  const given = event.shardId;
  if (given !== undefined) {
    if (typeof given !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(given)) {
      bad("event.shardId", `${JSON.stringify(given)} is not a shard id (letters, digits, _ . -)`);
    }
    return given;
  }
  return `stream-${createHash("sha256").update(streamArn).digest("hex").slice(0, 16)}`;
}

/** Epoch seconds from what the stream gave (Lambda: a number of seconds; SDK: a Date). */
function creationSeconds(v: unknown, where: string): number {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return v;
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime() / 1000;
  bad(where, `ApproximateCreationDateTime must be epoch seconds (a number), got ${JSON.stringify(v)}`);
}

function image(v: unknown, where: string): WireItem {
  if (!isObject(v)) bad(where, `expected an attribute map {"<name>": {"<type>": value}}, got ${JSON.stringify(v)}`);
  try {
    validateWireItem(v, where);
  } catch (err) {
    throw new CaptureInputError((err as Error).message);
  }
  return v;
}

function checkImages(name: ChangeEventName, d: Record<string, unknown>, where: string): void {
  if (d.StreamViewType !== undefined && d.StreamViewType !== REQUIRED_STREAM_VIEW) {
    bad(
      `${where}.dynamodb.StreamViewType`,
      `is ${JSON.stringify(d.StreamViewType)}; change capture needs ${REQUIRED_STREAM_VIEW} (set the table's stream view type)`,
    );
  }
  if (name !== "REMOVE" && d.NewImage === undefined) bad(`${where}.dynamodb`, `${name} record has no NewImage`);
  if (name === "REMOVE" && d.NewImage !== undefined) bad(`${where}.dynamodb`, "REMOVE record has a NewImage");
  if (name !== "INSERT" && d.OldImage === undefined) bad(`${where}.dynamodb`, `${name} record has no OldImage`);
}

/** One record of the event, checked and turned into its line. */
export function toChangeLine(raw: unknown, at: string, shardId: string): { line: ChangeLine; streamArn: string } {
  let where = at;
  if (!isObject(raw)) bad(where, "is not an object");
  if (typeof raw.eventID !== "string" || raw.eventID === "") bad(`${where}.eventID`, "must be a non-empty string");
  where = `${where} (eventID ${raw.eventID})`;
  const name = raw.eventName;
  if (!(EVENT_NAMES as readonly unknown[]).includes(name)) {
    bad(`${where}.eventName`, `${JSON.stringify(name)} is not allowed; expected one of ${EVENT_NAMES.join(", ")}`);
  }
  if (typeof raw.eventSourceARN !== "string") bad(`${where}.eventSourceARN`, "must be the stream ARN");
  const d = raw.dynamodb;
  if (!isObject(d)) bad(`${where}.dynamodb`, "is missing or not an object");
  const seq = d.SequenceNumber;
  if (typeof seq !== "string" || !SEQUENCE.test(seq)) {
    bad(`${where}.dynamodb.SequenceNumber`, `${JSON.stringify(seq)} is not a stream sequence number (1-40 digits)`);
  }
  checkImages(name as ChangeEventName, d, where);
  const line: ChangeLine = {
    eventID: raw.eventID,
    eventName: name as ChangeEventName,
    shardId,
    SequenceNumber: seq,
    ApproximateCreationDateTime: creationSeconds(d.ApproximateCreationDateTime, `${where}.dynamodb`),
    userIdentity: raw.userIdentity ?? null,
    Keys: image(d.Keys, `${where}.dynamodb.Keys`),
    ...(d.NewImage === undefined ? {} : { NewImage: image(d.NewImage, `${where}.dynamodb.NewImage`) }),
    ...(d.OldImage === undefined ? {} : { OldImage: image(d.OldImage, `${where}.dynamodb.OldImage`) }),
    ...(typeof d.SizeBytes === "number" ? { SizeBytes: d.SizeBytes } : {}),
  };
  return { line, streamArn: raw.eventSourceARN };
}

/** Compares two sequence numbers (digit strings of any length) numerically. */
export function compareSequence(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Checks a DynamoDB Streams Lambda event: `Records` from one stream, strictly increasing sequence numbers. Returns
 * undefined for an event without records (a tumbling window's final call may have none).
 */
export function parseStreamEvent(event: unknown): StreamBatch | undefined {
  if (!isObject(event))
    bad("event", `expected a DynamoDB Streams event {"Records": [...]}, got ${JSON.stringify(event)}`);
  if (!Array.isArray(event.Records)) {
    bad("event.Records", `expected an array of stream records, got ${JSON.stringify(event.Records)}`);
  }
  if (event.Records.length === 0) return undefined;
  const first = event.Records[0] as { eventSourceARN?: unknown } | undefined;
  const streamArn = typeof first?.eventSourceARN === "string" ? first.eventSourceARN : "";
  const tableName = tableOfStreamArn(streamArn, "Records[0].eventSourceARN");
  const shardId = shardOf(event, streamArn);
  const records: ChangeLine[] = [];
  event.Records.forEach((raw, i) => {
    const { line, streamArn: arn } = toChangeLine(raw, `Records[${i}]`, shardId);
    if (arn !== streamArn) {
      bad(
        `Records[${i}].eventSourceARN`,
        `${JSON.stringify(arn)} differs from Records[0]'s ${JSON.stringify(streamArn)}; one batch comes from one stream`,
      );
    }
    const prev = records[records.length - 1];
    if (prev !== undefined && compareSequence(prev.SequenceNumber, line.SequenceNumber) >= 0) {
      bad(
        `Records[${i}] (eventID ${line.eventID}).dynamodb.SequenceNumber`,
        `${line.SequenceNumber} does not follow ${prev.SequenceNumber}; a batch holds one shard's records in stream order`,
      );
    }
    records.push(line);
  });
  return { streamArn, tableName, shardId, shardKnown: event.shardId !== undefined, records };
}

/** The line of a record (no trailing newline). */
export function encodeChangeLine(line: ChangeLine): string {
  return JSON.stringify(line);
}

/** Time of a record (epoch ms). */
export function recordTimeMs(line: Pick<ChangeLine, "ApproximateCreationDateTime">): number {
  return Math.round(line.ApproximateCreationDateTime * 1000);
}

/** Parses one line of a change object back (structure checked; `where` names the object and line). */
export function decodeChangeLine(text: string, where: string): ChangeLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CaptureInputError(`${where}: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) throw new CaptureInputError(`${where}: not a JSON object`);
  const shard = typeof parsed.shardId === "string" ? parsed.shardId : "";
  const { line } = toChangeLine(
    {
      eventID: parsed.eventID,
      eventName: parsed.eventName,
      eventSourceARN: "",
      userIdentity: parsed.userIdentity,
      dynamodb: {
        SequenceNumber: parsed.SequenceNumber,
        ApproximateCreationDateTime: parsed.ApproximateCreationDateTime,
        Keys: parsed.Keys,
        NewImage: parsed.NewImage,
        OldImage: parsed.OldImage,
        SizeBytes: parsed.SizeBytes,
      },
    },
    where,
    shard,
  );
  return line;
}
