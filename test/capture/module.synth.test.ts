/**
 * Change capture as synthesized for a custom catalog (no terraform needed): the valid table names and the stream rule
 * come from the catalog. (That no construct hand-types an address is test/module/wiring.test.ts's.)
 */
import { describe, expect, it } from "vitest";
import { TableCatalog } from "../../lib/catalog";
import { validateCatalog } from "../../lib/catalog-schema";
import { CAPTURE_STATE_DIR, CHANGES_PREFIX as LAYOUT_CHANGES_PREFIX } from "../../lib/capture/config";
import { moduleJsonFor } from "../../lib/docs/module-docs";
import { STATE_PREFIX } from "../../lib/pipeline/config";
import { CAPTURE_STATE_PREFIX, CHANGES_PREFIX } from "../../modules/change-capture-policies";

const catalog = (tables: object[]): TableCatalog => validateCatalog({ tables });

describe("change_capture_tables for a custom catalog", () => {
  it("lists only the tables with a NEW_AND_OLD_IMAGES stream as valid, and names what each other table has", () => {
    const mod = moduleJsonFor(
      catalog([
        { name: "OrdersTable", attributes: { id: "S" }, hashKey: "id" },
        { name: "LocksTable", attributes: { id: "S" }, hashKey: "id", streamViewType: null },
        { name: "KeysTable", attributes: { id: "S" }, hashKey: "id", streamViewType: "KEYS_ONLY" },
      ]),
    );
    const v = mod.variable?.change_capture_tables as {
      description: string;
      default: unknown;
      validation: { condition: string; error_message: string }[];
    };
    expect(v.default).toEqual([]);
    expect(v.description).toMatch(/Valid values: OrdersTable\.$/);
    expect(v.validation[0]?.error_message).toBe(
      "change_capture_tables may only name catalog tables. Known tables: OrdersTable, LocksTable, KeysTable.",
    );
    expect(v.validation[1]?.condition).toContain('{ "LocksTable" = "no stream", "KeysTable" = "a KEYS_ONLY stream" }');
  });

  it("says so when no catalog table can be captured", () => {
    const mod = moduleJsonFor(
      catalog([{ name: "LocksTable", attributes: { id: "S" }, hashKey: "id", streamViewType: null }]),
    );
    expect((mod.variable?.change_capture_tables as { description: string }).description).toMatch(
      /Valid values: none \(no catalog table has a NEW_AND_OLD_IMAGES stream\)\.$/,
    );
  });
});

describe("the capture roles' prefixes", () => {
  it("are the capture layout's (lib/capture/config.ts)", () => {
    expect(CHANGES_PREFIX).toBe(LAYOUT_CHANGES_PREFIX);
    expect(CAPTURE_STATE_PREFIX).toBe(`${STATE_PREFIX}/${CAPTURE_STATE_DIR}`);
  });
});
