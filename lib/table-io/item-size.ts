/**
 * The size DynamoDB counts for an item in wire form, to refuse an item over the limit before anything is written
 * (DynamoDB would refuse it part-way through a restore). The rules are DynamoDB's documented ones: attribute names and
 * strings in UTF-8 bytes, binary in bytes, numbers about one byte per two significant digits plus one, null and
 * booleans one byte, lists and maps three bytes plus one per element.
 */
import type { WireItem } from "./wire";

/** DynamoDB's maximum item size: 400 KB. */
export const MAX_ITEM_BYTES = 400 * 1024;

function numberBytes(n: string): number {
  const digits = n
    .replace(/^[-+]/, "")
    .replace(/[eE].*$/, "")
    .replace(".", "");
  const significant = digits.replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

function base64Bytes(b: string): number {
  const pad = b.endsWith("==") ? 2 : b.endsWith("=") ? 1 : 0;
  return Math.floor((b.length * 3) / 4) - pad;
}

function valueBytes(value: unknown): number {
  const [type, v] = Object.entries(value as Record<string, unknown>)[0] ?? ["NULL", true];
  switch (type) {
    case "S":
      return Buffer.byteLength(v as string, "utf8");
    case "N":
      return numberBytes(v as string);
    case "B":
      return base64Bytes(v as string);
    case "SS":
      return (v as string[]).reduce((n, s) => n + Buffer.byteLength(s, "utf8"), 0);
    case "NS":
      return (v as string[]).reduce((n, s) => n + numberBytes(s), 0);
    case "BS":
      return (v as string[]).reduce((n, s) => n + base64Bytes(s), 0);
    case "L":
      return (v as unknown[]).reduce<number>((n, e) => n + 1 + valueBytes(e), 3);
    case "M":
      return 3 + attributesBytes(v as WireItem, 1);
    default:
      return 1; // NULL, BOOL
  }
}

function attributesBytes(item: WireItem, perElement: number): number {
  let n = 0;
  for (const name in item) n += Buffer.byteLength(name, "utf8") + valueBytes(item[name]) + perElement;
  return n;
}

/** The item's size as DynamoDB counts it (the item must already be valid wire JSON). */
export function wireItemBytes(item: WireItem): number {
  return attributesBytes(item, 0);
}
