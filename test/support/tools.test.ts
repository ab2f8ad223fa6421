/**
 * The skip helpers: without REQUIRE_INTEGRATION a missing tool skips its suite with a loud banner; with
 * REQUIRE_INTEGRATION=1 (CI) it fails instead, naming the suite and the tool.
 */
import { describe, expect, it, vi } from "vitest";
import { MissingIntegrationToolError, announceSkip } from "./tools";

describe("announceSkip", () => {
  it("runs the suite when its tools are there, whatever REQUIRE_INTEGRATION says", () => {
    expect(announceSkip("suite", undefined, {})).toBe(false);
    expect(announceSkip("suite", undefined, { REQUIRE_INTEGRATION: "1" })).toBe(false);
  });

  it("skips loudly when a tool is missing and integration is not required", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(announceSkip("moto suite", "moto_server is not on PATH", {})).toBe(true);
      expect(announceSkip("moto suite", "moto_server is not on PATH", { REQUIRE_INTEGRATION: "0" })).toBe(true);
      expect(warn).toHaveBeenCalledTimes(2);
      expect(warn).toHaveBeenCalledWith(
        "\n!!!!! SKIPPING moto suite: moto_server is not on PATH. These tests MUST run in CI. !!!!!\n",
      );
    } finally {
      warn.mockRestore();
    }
  });

  it("throws when a tool is missing and REQUIRE_INTEGRATION=1", () => {
    const warn = vi.spyOn(console, "warn");
    try {
      expect(() => announceSkip("terraform suite", "terraform is not on PATH", { REQUIRE_INTEGRATION: "1" })).toThrow(
        new MissingIntegrationToolError("terraform suite", "terraform is not on PATH"),
      );
      expect(() => announceSkip("terraform suite", "terraform is not on PATH", { REQUIRE_INTEGRATION: "1" })).toThrow(
        "terraform suite cannot run: terraform is not on PATH. REQUIRE_INTEGRATION=1 is set (as in CI), so a missing tool fails the run instead of skipping; install it, or unset REQUIRE_INTEGRATION to skip locally.",
      );
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it("reads process.env by default", () => {
    const saved = process.env.REQUIRE_INTEGRATION;
    process.env.REQUIRE_INTEGRATION = "1";
    try {
      expect(() => announceSkip("suite", "java is not on PATH")).toThrow(MissingIntegrationToolError);
    } finally {
      if (saved === undefined) delete process.env.REQUIRE_INTEGRATION;
      else process.env.REQUIRE_INTEGRATION = saved;
    }
  });
});
