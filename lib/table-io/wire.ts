/**
 * Scan with the items kept in DynamoDB's JSON wire form. The request still goes through the SDK (signing,
 * endpoint, credentials, retries — all from the standard configuration); a per-command middleware takes the Items
 * array out of the raw response before the SDK's deserializer sees it, so each item is parsed once by JSON.parse and
 * written back by JSON.stringify, instead of being converted into SDK objects (B → bytes) and back (bytes → base64).
 * In a backup that conversion is about half of the client's CPU; skipping it also means the bytes written are the
 * server's own values. LastEvaluatedKey is taken from the raw body too: the SDK's JSON deserializer (@smithy/core
 * 3.41) turns a top-level attribute named "__proto__" into `undefined`, in Items and in keys alike, so a table keyed
 * by such an attribute could not be paged through SDK objects (test/backup/proto-names.test.ts).
 */
import {
  BatchWriteItemCommand,
  GetItemCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type GetItemCommandInput,
  type ScanCommandInput,
} from "@aws-sdk/client-dynamodb";
import { Readable } from "node:stream";
import { decodeWireItem, itemToWireJson, type Item } from "../export-format/item-codec";
import { splitScanItems } from "./split-items";

const EMPTY: Buffer = Buffer.alloc(0);

/** A table key (LastEvaluatedKey, ExclusiveStartKey) as the SDK types it. */
export type Key = Record<string, AttributeValue>;

/** An item as DynamoDB's JSON wire format has it: `{"attr":{"S":"…"}, "bin":{"B":"<base64>"}}`. */
export type WireItem = Record<string, unknown>;

export interface WireScanPage {
  /** The items (empty when `asLines`). */
  readonly items: WireItem[];
  /** With `asLines`: the page as export lines, `{"Item":…}\n` per item (UTF-8). */
  readonly lines: Buffer;
  readonly count: number;
  readonly lastEvaluatedKey: Key | undefined;
}

interface HttpResponseLike {
  statusCode: number;
  body: unknown;
}

async function readAll(body: unknown): Promise<Buffer> {
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
    return Buffer.concat(chunks);
  }
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> };
  if (typeof b.transformToByteArray === "function") return Buffer.from(await b.transformToByteArray());
  throw new Error("unsupported response body");
}

interface DeserializeStack {
  add(
    mw: (next: (args: unknown) => Promise<{ response: unknown }>) => (args: unknown) => Promise<{ response: unknown }>,
    options: { step: "deserialize"; priority: "low"; name: string },
  ): void;
}

/**
 * Hands the raw body of the command's 2xx response to `take` before the SDK's deserializer runs; `take` returns the JSON
 * text the SDK deserializes instead (the response without the parts taken). Error responses go to the SDK untouched.
 */
function takeRawResponse(
  command: { readonly middlewareStack: object },
  name: string,
  take: (raw: Buffer) => string,
): void {
  (command.middlewareStack as DeserializeStack).add(
    (next) => async (args) => {
      const result = await next(args);
      const response = result.response as HttpResponseLike;
      if (response.statusCode < 200 || response.statusCode >= 300) return result;
      response.body = Readable.from([Buffer.from(take(await readAll(response.body)))]);
      return result;
    },
    { step: "deserialize", priority: "low", name },
  );
}

/** Export lines for wire items: `{"Item":<item>}\n` each (the same bytes encodeItemLine gives). */
export function wireItemsToLines(items: readonly WireItem[]): string {
  let text = "";
  for (const item of items) text += `{"Item":${JSON.stringify(item)}}\n`;
  return text;
}

const LINE_START = Buffer.from('{"Item":');
const LINE_END = Buffer.from("}\n");
const UNICODE_ESCAPE = Buffer.from("\\u");

/** Export lines from item JSON slices: `{"Item":` + item + `}\n` each, in one buffer. */
export function itemSlicesToLines(items: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of items) {
    // DynamoDB sends compact UTF-8 JSON, which is written as it came. A slice with line breaks between tokens is
    // re-encoded to keep one item per line, and one with \uXXXX escapes (servers that escape non-ASCII, like moto) to
    // hold UTF-8 text as AWS's own exports do — moto's ImportTable, for one, reads such escapes back literally.
    const compact =
      item.includes(0x0a) || item.includes(0x0d) || item.includes(UNICODE_ESCAPE)
        ? Buffer.from(JSON.stringify(JSON.parse(item.toString("utf8"))))
        : item;
    parts.push(LINE_START, compact, LINE_END);
  }
  return Buffer.concat(parts);
}

/**
 * One Scan request whose items come back in wire form — or, with `asLines`, already as export lines cut straight out
 * of the response bytes (./split-items.ts): no item is parsed at all, and one compact buffer per page is all that waits
 * to be written (what keeps a backup fast and its memory flat).
 */
export async function scanWire(
  client: DynamoDBClient,
  input: ScanCommandInput,
  opts: { asLines?: boolean } = {},
): Promise<WireScanPage> {
  const command = new ScanCommand(input);
  let captured: WireItem[] | undefined;
  let lines: Buffer = EMPTY;
  let count = 0;
  /** LastEvaluatedKey from the raw body (set together with `captured`). */
  let rawLastKey: WireItem | undefined;
  takeRawResponse(command, "wireItemsMiddleware", (raw) => {
    let rest: { LastEvaluatedKey?: WireItem };
    if (opts.asLines === true) {
      const split = splitScanItems(raw);
      count = split.items.length;
      lines = itemSlicesToLines(split.items);
      captured = [];
      rest = JSON.parse(split.rest.toString("utf8")) as typeof rest;
    } else {
      const parsed = JSON.parse(raw.toString("utf8")) as { Items?: WireItem[]; LastEvaluatedKey?: WireItem };
      captured = parsed.Items ?? [];
      count = captured.length;
      delete parsed.Items;
      rest = parsed;
    }
    rawLastKey = rest.LastEvaluatedKey;
    delete rest.LastEvaluatedKey;
    return JSON.stringify(rest);
  });
  const out = await client.send(command);
  if (captured === undefined) {
    // The middleware could not run (another transport): fall back to converting the SDK's items.
    const items = (out.Items ?? []).map((i) => itemToWireJson(i));
    return opts.asLines === true
      ? {
          items: [],
          lines: Buffer.from(wireItemsToLines(items)),
          count: items.length,
          lastEvaluatedKey: out.LastEvaluatedKey,
        }
      : { items, lines: EMPTY, count: items.length, lastEvaluatedKey: out.LastEvaluatedKey };
  }
  return {
    items: captured,
    lines,
    count,
    lastEvaluatedKey:
      rawLastKey === undefined ? undefined : decodeWireItem(rawLastKey, "LastEvaluatedKey of a Scan response"),
  };
}

/**
 * A key string for a wire item: the key attributes' wire values in key order. The server sends UnprocessedItems back
 * in the same wire form, so this matches them to what was sent. Only own attributes count: a key named "constructor"
 * or "__proto__" that the item lacks is an error, not a value inherited from Object.prototype.
 */
export function wireKeyString(item: WireItem, keyNames: readonly string[]): string {
  let s = "";
  for (const name of keyNames) {
    const v = Object.hasOwn(item, name) ? item[name] : undefined;
    if (v === undefined) throw new Error(`item has no key attribute "${name}"`);
    s += `${JSON.stringify(v)}|`;
  }
  return s;
}

/**
 * One BatchWriteItem whose request body is built from item JSON texts (wire form) and whose UnprocessedItems come back
 * in wire form too — no SDK (de)serialization of items either way. Signing, endpoint, credentials and retries are
 * still the SDK's.
 */
export async function batchWriteWire(
  client: DynamoDBClient,
  tableName: string,
  itemJsons: readonly string[],
): Promise<WireItem[]> {
  const body = `{"RequestItems":{${JSON.stringify(tableName)}:[${itemJsons.map((j) => `{"PutRequest":{"Item":${j}}}`).join(",")}]}}`;
  const command = new BatchWriteItemCommand({ RequestItems: { [tableName]: [] } });
  let unprocessed: WireItem[] | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      request.body = body;
      for (const h of Object.keys(request.headers)) if (h.toLowerCase() === "content-length") delete request.headers[h];
      return next(args);
    },
    { step: "serialize", priority: "low", name: "wireRequestBodyMiddleware" },
  );
  takeRawResponse(command, "wireUnprocessedItemsMiddleware", (raw) => {
    const parsed = JSON.parse(raw.toString("utf8")) as {
      UnprocessedItems?: Record<string, { PutRequest?: { Item?: WireItem } }[]>;
    };
    unprocessed = (parsed.UnprocessedItems?.[tableName] ?? []).map((r) => r.PutRequest?.Item ?? {});
    return "{}";
  });
  await client.send(command);
  if (unprocessed === undefined) throw new Error("BatchWriteItem response was not seen by the wire middleware");
  return unprocessed;
}

/**
 * GetItem with the item decoded from the raw response by the export codec, so an attribute named "__proto__" survives
 * (the SDK's deserializer drops it). Undefined when there is no such item.
 */
export async function getItemWire(client: DynamoDBClient, input: GetItemCommandInput): Promise<Item | undefined> {
  const command = new GetItemCommand(input);
  let captured: WireItem | undefined;
  takeRawResponse(command, "wireGetItemMiddleware", (raw) => {
    const parsed = JSON.parse(raw.toString("utf8")) as { Item?: WireItem };
    captured = parsed.Item;
    delete parsed.Item;
    return JSON.stringify(parsed);
  });
  const out = await client.send(command);
  if (captured !== undefined) return decodeWireItem(captured, `GetItem ${input.TableName ?? ""}`);
  return out.Item;
}
