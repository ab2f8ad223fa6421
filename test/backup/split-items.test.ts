import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { itemToWireJson } from "../../lib/export-format";
import { splitScanItems } from "../../lib/table-io/split-items";
import { itemSlicesToLines } from "../../lib/table-io/wire";
import { item } from "../export-format/arbitraries";

describe("splitScanItems (Scan response → item byte slices)", () => {
  it("property: slices parse to the items, the rest is the response with Items emptied", () => {
    fc.assert(
      fc.property(fc.array(item({ maxDepth: 3 }), { maxLength: 8 }), fc.boolean(), (items, pretty) => {
        const wire = items.map((i) => itemToWireJson(i));
        const response = { Count: wire.length, Items: wire, ScannedCount: wire.length, LastEvaluatedKey: wire[0] };
        const body = Buffer.from(pretty ? JSON.stringify(response, null, 2) : JSON.stringify(response));
        const split = splitScanItems(body);
        expect(split.items.map((b) => JSON.parse(b.toString("utf8")) as unknown)).toEqual(wire);
        expect(JSON.parse(split.rest.toString("utf8"))).toEqual({ ...response, Items: [] });
        const lines = itemSlicesToLines(split.items).toString("utf8");
        if (!pretty) expect(lines).toBe(wire.map((w) => `{"Item":${JSON.stringify(w)}}\n`).join(""));
        // Whatever the whitespace, the result is one line per item.
        const parsed = lines
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as unknown);
        expect(parsed).toEqual(wire.map((w) => ({ Item: w })));
      }),
      { numRuns: 200 },
    );
  });

  it('is not fooled by braces, brackets, quotes or an "Items" key inside strings and nested maps', () => {
    const tricky = {
      pk: { S: 'a "quoted" {brace} [bracket] \\ "Items":[' },
      m: { M: { Items: { L: [{ S: "}]" }] } } },
    };
    const body = Buffer.from(`{"Items" : [ ${JSON.stringify(tricky)} ,${JSON.stringify(tricky)}],"Count":2}`);
    const split = splitScanItems(body);
    expect(split.items.map((b) => JSON.parse(b.toString()) as unknown)).toEqual([tricky, tricky]);
    expect(JSON.parse(split.rest.toString())).toEqual({ Items: [], Count: 2 });
  });

  it("handles a response without items and rejects a truncated one", () => {
    expect(splitScanItems(Buffer.from('{"Count":0,"ScannedCount":0}')).items).toEqual([]);
    expect(() => splitScanItems(Buffer.from('{"Items":[{"a":{"S":"x"}}'))).toThrow(
      "Scan response is not complete JSON",
    );
  });
});

describe("itemSlicesToLines", () => {
  it("writes a slice as it came, unless it has line breaks or \\u escapes: then it is re-encoded as UTF-8 JSON", () => {
    const plain = Buffer.from('{"k":{"S":"ünï ✓"}}');
    const escaped = Buffer.from(String.raw`{"\u00fcn\u00ef":{"S":"\u00e7\u00f6d\u00e9 \u2713"}}`);
    const broken = Buffer.from('{"k":\n{"S":"a"}}');
    expect(itemSlicesToLines([plain, escaped, broken]).toString("utf8")).toBe(
      '{"Item":{"k":{"S":"ünï ✓"}}}\n{"Item":{"ünï":{"S":"çödé ✓"}}}\n{"Item":{"k":{"S":"a"}}}\n',
    );
  });
});
