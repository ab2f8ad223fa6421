/**
 * Splits a Scan response body into its items without parsing them: one pass over the bytes that tracks JSON strings
 * and nesting, returning each item of the top-level "Items" array as a zero-copy slice of the body, plus the body with
 * that array emptied (Count, LastEvaluatedKey, …) for the SDK to parse. A backup writes the slices as they are, so the
 * bytes in the files are the bytes DynamoDB sent.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COLON = 0x3a;
const ITEMS_KEY = Buffer.from('"Items"');

export interface SplitBody {
  /** Each item's JSON bytes (`{"attr":{"S":"…"},…}`), slices of the body. */
  readonly items: Buffer[];
  /** The body with `"Items":[]`, or the body unchanged when it has no Items array. */
  readonly rest: Buffer;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Whether the bytes before `at` are `"Items"` followed by optional whitespace and a colon. */
function followsItemsKey(body: Buffer, at: number, keyStart: number, keyEnd: number): boolean {
  if (keyStart < 0 || keyEnd - keyStart + 1 !== ITEMS_KEY.length) return false;
  if (!body.subarray(keyStart, keyEnd + 1).equals(ITEMS_KEY)) return false;
  let sawColon = false;
  for (let j = keyEnd + 1; j < at; j++) {
    const c = body[j] as number;
    if (c === COLON && !sawColon) sawColon = true;
    else if (!isWhitespace(c)) return false;
  }
  return sawColon;
}

export function splitScanItems(body: Buffer): SplitBody {
  const items: Buffer[] = [];
  const n = body.length;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let stringEnd = -1;
  let stringDepth = -1;
  let arrayStart = -1;
  let arrayEnd = -1;
  let inItems = false;
  let itemStart = -1;
  for (let i = 0; i < n; i++) {
    const c = body[i] as number;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) {
        inString = false;
        stringEnd = i;
      }
      continue;
    }
    if (c === QUOTE) {
      inString = true;
      stringStart = i;
      stringDepth = depth;
    } else if (c === LBRACE || c === LBRACKET) {
      if (
        c === LBRACKET &&
        depth === 1 &&
        arrayStart < 0 &&
        stringDepth === 1 &&
        followsItemsKey(body, i, stringStart, stringEnd)
      ) {
        arrayStart = i;
        inItems = true;
      } else if (c === LBRACE && inItems && depth === 2) {
        itemStart = i;
      }
      depth++;
    } else if (c === RBRACE || c === RBRACKET) {
      depth--;
      if (inItems) {
        if (c === RBRACE && depth === 2) items.push(body.subarray(itemStart, i + 1));
        else if (c === RBRACKET && depth === 1) {
          arrayEnd = i + 1;
          inItems = false;
        }
      }
    }
  }
  if (depth !== 0 || inString || inItems) throw new Error("Scan response is not complete JSON");
  if (arrayStart < 0) return { items, rest: body };
  return { items, rest: Buffer.concat([body.subarray(0, arrayStart), Buffer.from("[]"), body.subarray(arrayEnd)]) };
}
