/**
 * Lossless encoding of items as DynamoDB JSON lines — the line format of DynamoDB's export (`{"Item":{...}}`).
 *
 * Items are the AWS SDK v3 low-level shape (`Record<string, AttributeValue>`), exactly as Scan returns them:
 * N stays a string (all 38 digits and any exponent survive), B is bytes (written as base64, as DynamoDB's wire format and
 * its exports do), sets stay arrays in the order the server gave. Nothing goes through JavaScript numbers.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ATTRIBUTE_TYPES, type AttributeTypeName } from "./constants";
import { ExportFormatError } from "./errors";

export type Item = Record<string, AttributeValue>;

/** One item as its export line (no trailing newline): `{"Item":{...}}`. */
export function encodeItemLine(item: Item): string {
  return `{"Item":${JSON.stringify(hasBinary(item) ? toWire(item) : item)}}`;
}

/** The item in DynamoDB's JSON wire form (B and BS as base64 strings), ready for JSON.stringify. */
export function itemToWireJson(item: Item): Record<string, unknown> {
  return hasBinary(item) ? toWire(item) : (item as Record<string, unknown>);
}

function hasBinary(map: Record<string, AttributeValue>): boolean {
  for (const key in map) if (valueHasBinary(map[key] as AttributeValue)) return true;
  return false;
}

function valueHasBinary(v: AttributeValue): boolean {
  if (v.B !== undefined || v.BS !== undefined) return true;
  if (v.M !== undefined) return hasBinary(v.M);
  if (v.L !== undefined) return v.L.some(valueHasBinary);
  return false;
}

/**
 * Sets an own property, even for names like "__proto__" (a legal attribute name that plain assignment would turn
 * into a prototype change, silently dropping the attribute).
 */
function putOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function toWire(map: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in map) putOwn(out, key, valueToWire(map[key] as AttributeValue));
  return out;
}

function valueToWire(v: AttributeValue): unknown {
  if (v.B !== undefined) return { B: bytesToBase64(v.B) };
  if (v.BS !== undefined) return { BS: v.BS.map(bytesToBase64) };
  if (v.M !== undefined) return { M: toWire(v.M) };
  if (v.L !== undefined) return { L: v.L.map(valueToWire) };
  return v;
}

function bytesToBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}

/** A DynamoDB number as the wire format allows it (the server still enforces precision and range). */
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Decodes one export line. `where` (e.g. `data/abc.json.gz line 17`) goes into every error message.
 * Throws {@link ExportFormatError} (kind "corrupt") for anything that is not a well-formed DynamoDB JSON item.
 */
export function decodeItemLine(line: string, where: string): Item {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    throw new ExportFormatError("corrupt", where, `${where}: not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ExportFormatError("corrupt", where, `${where}: expected an object {"Item": {...}}`);
  }
  const item = (parsed as { Item?: unknown }).Item;
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    throw new ExportFormatError("corrupt", where, `${where}: expected an object {"Item": {...}}, found no "Item" map`);
  }
  return decodeWireItem(item as Record<string, unknown>, where);
}

/** Converts an item in DynamoDB's JSON wire form (B as base64) to the SDK shape, validating every value. */
export function decodeWireItem(wire: Record<string, unknown>, where: string): Item {
  const out: Item = {};
  for (const name in wire) putOwn(out, name, decodeValue(wire[name], where, name));
  return out;
}

function bad(where: string, path: string, message: string): never {
  throw new ExportFormatError("corrupt", where, `${where}: attribute ${path}: ${message}`);
}

/** The single type key of a wire value `{"<type>": value}` and the object (errors name the attribute path). */
function typedValue(
  raw: unknown,
  where: string,
  path: string,
): { obj: Record<string, unknown>; type: string | undefined } {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    bad(where, path, `expected {"<type>": value} with type one of ${ATTRIBUTE_TYPES.join(", ")}`);
  }
  const obj = raw as Record<string, unknown>;
  let type: string | undefined;
  for (const k in obj) {
    if (type !== undefined) bad(where, path, `has more than one type (${type}, ${k})`);
    type = k;
  }
  return { obj, type };
}

function decodeValue(raw: unknown, where: string, path: string): AttributeValue {
  const { obj, type } = typedValue(raw, where, path);
  if (type === undefined || !(ATTRIBUTE_TYPES as readonly string[]).includes(type)) {
    bad(where, path, `unknown type ${JSON.stringify(type)}; allowed: ${ATTRIBUTE_TYPES.join(", ")}`);
  }
  const v = obj[type];
  switch (type as AttributeTypeName) {
    case "S":
      if (typeof v !== "string") bad(where, path, "S must be a string");
      return { S: v };
    case "N":
      if (typeof v !== "string" || !NUMBER_PATTERN.test(v))
        bad(where, path, `N must be a number string, got ${JSON.stringify(v)}`);
      return { N: v };
    case "B":
      return { B: decodeBase64(v, where, path) };
    case "BOOL":
      if (typeof v !== "boolean") bad(where, path, "BOOL must be true or false");
      return { BOOL: v };
    case "NULL":
      if (v !== true) bad(where, path, "NULL must be true");
      return { NULL: true };
    case "SS":
      if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === "string")) {
        bad(where, path, "SS must be a non-empty array of strings");
      }
      return { SS: v as string[] };
    case "NS":
      if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === "string" && NUMBER_PATTERN.test(s))) {
        bad(where, path, "NS must be a non-empty array of number strings");
      }
      return { NS: v as string[] };
    case "BS":
      if (!Array.isArray(v) || v.length === 0) bad(where, path, "BS must be a non-empty array of base64 strings");
      return { BS: v.map((b, i) => decodeBase64(b, where, `${path}[${i}]`)) };
    case "M": {
      if (v === null || typeof v !== "object" || Array.isArray(v)) bad(where, path, "M must be an object");
      const m: Record<string, AttributeValue> = {};
      for (const k in v as Record<string, unknown>) {
        putOwn(m, k, decodeValue((v as Record<string, unknown>)[k], where, `${path}.${k}`));
      }
      return { M: m };
    }
    case "L":
      if (!Array.isArray(v)) bad(where, path, "L must be an array");
      return { L: v.map((e, i) => decodeValue(e, where, `${path}[${i}]`)) };
  }
}

function decodeBase64(v: unknown, where: string, path: string): Uint8Array {
  if (typeof v !== "string") bad(where, path, "binary must be a base64 string");
  const buf = Buffer.from(v, "base64");
  // Only canonical base64 round-trips byte for byte; anything else was damaged or hand-edited.
  if (buf.toString("base64") !== v) bad(where, path, "binary is not canonical base64");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks an item in wire form (as JSON.parse gives it) without converting it: the same rules as
 * {@link decodeWireItem}, for consumers that send the item on as it is. Throws {@link ExportFormatError} naming `where`.
 */
export function validateWireItem(wire: unknown, where: string): void {
  if (wire === null || typeof wire !== "object" || Array.isArray(wire)) {
    throw new ExportFormatError("corrupt", where, `${where}: expected an object {"Item": {...}}, found no "Item" map`);
  }
  for (const name in wire as Record<string, unknown>) checkValue((wire as Record<string, unknown>)[name], where, name);
}

function checkBase64(v: unknown, where: string, path: string): void {
  if (typeof v !== "string" || !BASE64_PATTERN.test(v)) bad(where, path, "binary must be a base64 string");
}

function checkValue(raw: unknown, where: string, path: string): void {
  const { obj, type } = typedValue(raw, where, path);
  const v = type === undefined ? undefined : obj[type];
  switch (type) {
    case "S":
      if (typeof v !== "string") bad(where, path, "S must be a string");
      return;
    case "N":
      if (typeof v !== "string" || !NUMBER_PATTERN.test(v))
        bad(where, path, `N must be a number string, got ${JSON.stringify(v)}`);
      return;
    case "B":
      checkBase64(v, where, path);
      return;
    case "BOOL":
      if (typeof v !== "boolean") bad(where, path, "BOOL must be true or false");
      return;
    case "NULL":
      if (v !== true) bad(where, path, "NULL must be true");
      return;
    case "SS":
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string")) {
        bad(where, path, "SS must be a non-empty array of strings");
      }
      return;
    case "NS":
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === "string" && NUMBER_PATTERN.test(x))) {
        bad(where, path, "NS must be a non-empty array of number strings");
      }
      return;
    case "BS":
      if (!Array.isArray(v) || v.length === 0) bad(where, path, "BS must be a non-empty array of base64 strings");
      v.forEach((b, i) => checkBase64(b, where, `${path}[${i}]`));
      return;
    case "M":
      if (v === null || typeof v !== "object" || Array.isArray(v)) bad(where, path, "M must be an object");
      for (const k in v as Record<string, unknown>)
        checkValue((v as Record<string, unknown>)[k], where, `${path}.${k}`);
      return;
    case "L":
      if (!Array.isArray(v)) bad(where, path, "L must be an array");
      v.forEach((e, i) => checkValue(e, where, `${path}[${i}]`));
      return;
    default:
      bad(where, path, `unknown type ${JSON.stringify(type)}; allowed: ${ATTRIBUTE_TYPES.join(", ")}`);
  }
}

/**
 * A canonical string for comparing items regardless of attribute order and set order (DynamoDB guarantees neither).
 * Two items are equal in DynamoDB's sense exactly when their canonical strings are equal.
 */
export function canonicalItem(item: Item): string {
  return canonicalMap(item);
}

function canonicalMap(map: Record<string, AttributeValue>): string {
  const keys = Object.keys(map).sort();
  let out = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ",";
    out += `${JSON.stringify(k)}:${canonicalValue(map[k] as AttributeValue)}`;
  }
  return `${out}}`;
}

function canonicalValue(v: AttributeValue): string {
  if (v.S !== undefined) return `{"S":${JSON.stringify(v.S)}}`;
  if (v.N !== undefined) return `{"N":${JSON.stringify(v.N)}}`;
  if (v.B !== undefined) return `{"B":"${bytesToBase64(v.B)}"}`;
  if (v.BOOL !== undefined) return `{"BOOL":${v.BOOL}}`;
  if (v.NULL !== undefined) return `{"NULL":true}`;
  if (v.SS !== undefined) return `{"SS":${JSON.stringify([...v.SS].sort())}}`;
  if (v.NS !== undefined) return `{"NS":${JSON.stringify([...v.NS].sort())}}`;
  if (v.BS !== undefined) return `{"BS":${JSON.stringify(v.BS.map(bytesToBase64).sort())}}`;
  if (v.M !== undefined) return `{"M":${canonicalMap(v.M)}}`;
  if (v.L !== undefined) return `{"L":[${v.L.map(canonicalValue).join(",")}]}`;
  throw new Error(`unsupported attribute value ${JSON.stringify(Object.keys(v))}`);
}

/** The item's primary key as a stable string (for maps, sets and messages), e.g. `{"pk":{"S":"a"},"sk":{"N":"1"}}`. */
export function itemKeyString(item: Item, keyNames: readonly string[]): string {
  const key: Item = {};
  for (const name of keyNames) {
    const v = ownAttribute(item, name);
    if (v === undefined) throw new Error(`item has no key attribute "${name}"`);
    putOwn(key, name, v);
  }
  return canonicalItem(key);
}

/** `item[name]` only when the item itself has it (never an inherited `constructor` or `__proto__`). */
function ownAttribute(item: Item, name: string): AttributeValue | undefined {
  return Object.prototype.hasOwnProperty.call(item, name) ? item[name] : undefined;
}

/** The primary-key attributes of an item. */
export function itemKey(item: Item, keyNames: readonly string[]): Item {
  const key: Item = {};
  for (const name of keyNames) {
    const v = ownAttribute(item, name);
    if (v !== undefined) putOwn(key, name, v);
  }
  return key;
}
