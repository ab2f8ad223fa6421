import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalItem,
  decodeItemLine,
  encodeItemLine,
  ExportFormatError,
  itemKeyString,
  itemToWireJson,
  validateWireItem,
  type Item,
} from "../../lib/export-format";
import { deeplyNested, item } from "./arbitraries";

const everyType: Item = {
  pk: { S: "ключ-🔑-鍵" },
  s: { S: "" },
  nBig: { N: "12345678901234567890123456789012345678" },
  nTiny: { N: "1E-130" },
  nHuge: { N: "9.9999999999999999999999999999999999999E+125" },
  nNeg: { N: "-0.000000000000000000000000000000000000001" },
  b: { B: new Uint8Array([0, 255, 1, 254, 0x0a, 0x0d, 0x22, 0x5c]) },
  ss: { SS: ["a", "é", "🙂"] },
  ns: { NS: ["1", "-2.5", "3E+10"] },
  bs: { BS: [new Uint8Array([0]), new Uint8Array([255, 255])] },
  m: { M: { nested: { L: [{ NULL: true }, { BOOL: false }, { M: {} }, { L: [] }] } } },
  t: { BOOL: true },
  nul: { NULL: true },
};

describe("encodeItemLine / decodeItemLine", () => {
  it('writes AWS\'s line shape: {"Item": …} with N as strings and B as base64', () => {
    const line = encodeItemLine({ id: { S: "a" }, n: { N: "1.50" }, b: { B: new Uint8Array([1, 2, 3]) } });
    expect(line).toBe('{"Item":{"id":{"S":"a"},"n":{"N":"1.50"},"b":{"B":"AQID"}}}');
  });

  it("round-trips every attribute type losslessly (38-digit N, extreme exponents, any bytes, unicode)", () => {
    const back = decodeItemLine(encodeItemLine(everyType), "x");
    expect(canonicalItem(back)).toBe(canonicalItem(everyType));
    expect(back.nBig).toEqual({ N: "12345678901234567890123456789012345678" });
    expect(Buffer.from(back.b!.B!).toString("hex")).toBe("00ff01fe0a0d225c");
    expect(encodeItemLine(back)).toBe(encodeItemLine(everyType));
  });

  it("keeps 32 levels of nesting and a ~400 KB item", () => {
    const big: Item = {
      pk: { S: "big" },
      deep: deeplyNested(32),
      blob: { B: new Uint8Array(300_000).fill(7) },
      s: { S: "x".repeat(90_000) },
    };
    const back = decodeItemLine(encodeItemLine(big), "x");
    expect(canonicalItem(back)).toBe(canonicalItem(big));
  });

  it("property: decode(encode(item)) is the same item, and encoding is stable", () => {
    fc.assert(
      fc.property(item({ maxDepth: 4 }), (it) => {
        const line = encodeItemLine(it);
        const back = decodeItemLine(line, "prop");
        expect(canonicalItem(back)).toBe(canonicalItem(it));
        expect(encodeItemLine(back)).toBe(line);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["not JSON", "{oops", /data\/f\.json\.gz line 3: not valid JSON/],
    ["no Item", '{"Itm":{}}', /found no "Item" map/],
    ["unknown type", '{"Item":{"a":{"X":"1"}}}', /attribute a: unknown type "X"/],
    ["two types", '{"Item":{"a":{"S":"1","N":"1"}}}', /attribute a: has more than one type/],
    ["bad number", '{"Item":{"a":{"N":"12abc"}}}', /attribute a: N must be a number string, got "12abc"/],
    ["number as JSON number", '{"Item":{"a":{"N":12}}}', /attribute a: N must be a number string/],
    ["bad base64", '{"Item":{"a":{"B":"@@@"}}}', /attribute a: binary is not canonical base64/],
    ["empty set", '{"Item":{"a":{"SS":[]}}}', /attribute a: SS must be a non-empty array/],
    [
      "nested bad value",
      '{"Item":{"m":{"M":{"x":{"L":[{"BOOL":"yes"}]}}}}}',
      /attribute m\.x\[0\]: BOOL must be true or false/,
    ],
  ])("rejects %s, naming the place", (_name, line, message) => {
    let caught: unknown;
    try {
      decodeItemLine(line, "data/f.json.gz line 3");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ExportFormatError);
    expect((caught as ExportFormatError).problem).toBe("corrupt");
    expect((caught as Error).message).toMatch(/^data\/f\.json\.gz line 3: /);
    expect((caught as Error).message).toMatch(message);
  });
});

describe("validateWireItem (restore's check of lines it sends on as they are)", () => {
  it("property: accepts every valid item in wire form", () => {
    fc.assert(
      fc.property(item({ maxDepth: 4 }), (it) => {
        validateWireItem(JSON.parse(JSON.stringify(itemToWireJson(it))), "x");
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['{"a":{"X":"1"}}', /attribute a: unknown type "X"/],
    ['{"a":{"S":"1","N":"1"}}', /attribute a: has more than one type/],
    ['{"a":{"N":"12abc"}}', /attribute a: N must be a number string, got "12abc"/],
    ['{"a":{"B":"@@@"}}', /attribute a: binary must be a base64 string/],
    ['{"a":{"SS":[]}}', /attribute a: SS must be a non-empty array/],
    ['{"m":{"M":{"x":{"L":[{"BOOL":"yes"}]}}}}', /attribute m\.x\[0\]: BOOL must be true or false/],
  ])("rejects %s naming the place", (json, message) => {
    expect(() => validateWireItem(JSON.parse(json), "f line 2")).toThrow(message);
    expect(() => validateWireItem(JSON.parse(json), "f line 2")).toThrow(/^f line 2: /);
  });
});

describe("canonicalItem / itemKeyString", () => {
  it("ignores attribute order and set order, but not list order", () => {
    const a: Item = { x: { N: "1" }, y: { SS: ["b", "a"] }, l: { L: [{ S: "1" }, { S: "2" }] } };
    const b: Item = { y: { SS: ["a", "b"] }, l: { L: [{ S: "1" }, { S: "2" }] }, x: { N: "1" } };
    const c: Item = { ...b, l: { L: [{ S: "2" }, { S: "1" }] } };
    expect(canonicalItem(a)).toBe(canonicalItem(b));
    expect(canonicalItem(a)).not.toBe(canonicalItem(c));
  });

  it("builds key strings from the key attributes only", () => {
    const it: Item = { pk: { S: "a" }, sk: { N: "2" }, other: { S: "z" } } as Record<string, AttributeValue>;
    expect(itemKeyString(it, ["pk", "sk"])).toBe('{"pk":{"S":"a"},"sk":{"N":"2"}}');
    expect(() => itemKeyString(it, ["missing"])).toThrow('item has no key attribute "missing"');
  });
});
