/**
 * fast-check generators for DynamoDB items covering every attribute type, shared by the format and backup tests.
 * Values stay inside what DynamoDB accepts, so the same items can go through a real server.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";

/** A DynamoDB number string: up to 38 significant digits, exponent within DynamoDB's range (1E-130 .. 9.9E+125). */
export const numberString = (): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.boolean(),
      fc.stringMatching(/^[1-9][0-9]{0,37}$/),
      fc.integer({ min: -90, max: 86 }),
      fc.constantFrom("int", "exp", "frac"),
    )
    .map(([neg, digits, exp, style]) => {
      const sign = neg ? "-" : "";
      if (style === "int") return `${sign}${digits}`;
      if (style === "frac") {
        const cut = Math.max(1, Math.floor(digits.length / 2));
        return `${sign}${digits.slice(0, cut)}.${digits.slice(cut) || "5"}`;
      }
      return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ""}E${exp}`;
    });

const text = (minLength = 0): fc.Arbitrary<string> => fc.string({ unit: "grapheme", minLength, maxLength: 20 });

export interface ItemArbOptions {
  /** @default 3 */
  readonly maxDepth?: number;
  /** @default 6 */
  readonly maxKeys?: number;
}

export function attributeValue(opts: ItemArbOptions = {}): fc.Arbitrary<AttributeValue> {
  const { value } = fc.letrec<{ value: AttributeValue }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: opts.maxDepth ?? 3, withCrossShrink: true },
      text().map((S): AttributeValue => ({ S })),
      numberString().map((N): AttributeValue => ({ N })),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((B): AttributeValue => ({ B })),
      fc.boolean().map((BOOL): AttributeValue => ({ BOOL })),
      fc.constant<AttributeValue>({ NULL: true }),
      fc.uniqueArray(text(1), { minLength: 1, maxLength: 5 }).map((SS): AttributeValue => ({ SS })),
      fc
        .uniqueArray(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 5 })
        .map((ns): AttributeValue => ({ NS: ns.map(String) })),
      fc
        .uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 16 }), {
          minLength: 1,
          maxLength: 4,
          selector: (b) => Buffer.from(b).toString("hex"),
        })
        .map((BS): AttributeValue => ({ BS })),
      fc
        .dictionary(text(1), tie("value"), { maxKeys: opts.maxKeys ?? 4 })
        .map((M): AttributeValue => ({ M: M as Record<string, AttributeValue> })),
      fc.array(tie("value"), { maxLength: 4 }).map((L): AttributeValue => ({ L })),
    ),
  }));
  return value;
}

/** Items with a string hash key `pk` (unique per generated array when used with uniqueArray) and random attributes. */
export function item(opts: ItemArbOptions = {}): fc.Arbitrary<Record<string, AttributeValue>> {
  return fc
    .tuple(
      text(1),
      fc.dictionary(fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }), attributeValue(opts), {
        maxKeys: opts.maxKeys ?? 6,
      }),
    )
    .map(([pk, attrs]) => {
      const out: Record<string, AttributeValue> = { ...attrs };
      delete out.pk;
      return { pk: { S: pk }, ...out };
    });
}

/** A value nested `depth` levels deep (alternating M and L), for the 32-level limit. */
export function deeplyNested(depth: number): AttributeValue {
  let v: AttributeValue = { S: "bottom" };
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { M: { [`level${depth - i}`]: v } } : { L: [v] };
  return v;
}

/** Byte-exact equality of two items' canonical forms is checked by canonicalItem; this compares raw byte content too. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}
