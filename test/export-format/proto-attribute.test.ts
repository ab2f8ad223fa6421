/**
 * Regression: "__proto__" is a legal DynamoDB attribute name. The property test on dynalite found it dropped on the
 * way through the codec (plain assignment changed the object's prototype instead of adding the attribute).
 */
import { describe, expect, it } from "vitest";
import { decodeWireItem, itemKey, itemKeyString } from "../../lib/export-format/item-codec";

describe('an attribute named "__proto__"', () => {
  it("survives decoding, nested maps and key extraction", () => {
    const wire = JSON.parse('{"pk":{"S":" "},"__proto__":{"S":""},"m":{"M":{"__proto__":{"N":"1"}}}}') as Record<
      string,
      unknown
    >;
    const item = decodeWireItem(wire, "test line");
    expect(Object.keys(item).sort()).toEqual(["__proto__", "m", "pk"]);
    expect(Object.getOwnPropertyDescriptor(item, "__proto__")?.value).toEqual({ S: "" });
    expect(Object.keys(item.m?.M ?? {})).toEqual(["__proto__"]);
    expect(Object.keys(itemKey(item, ["__proto__"]))).toEqual(["__proto__"]);
  });
});

describe("key extraction sees only the item's own attributes", () => {
  it('a missing key named "constructor" or "__proto__" is missing, not inherited from Object.prototype', () => {
    const item = decodeWireItem({ pk: { S: "a" } }, "test line");
    expect(() => itemKeyString(item, ["constructor"])).toThrow('item has no key attribute "constructor"');
    expect(() => itemKeyString(item, ["__proto__"])).toThrow('item has no key attribute "__proto__"');
    expect(itemKey(item, ["pk", "toString"])).toEqual({ pk: { S: "a" } });
  });
});
