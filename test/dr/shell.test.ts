/**
 * Shell quoting, checked against bash itself: any string (quotes, $, backticks, newlines, globs, unicode) comes
 * back from bash as exactly one unchanged argument.
 */
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { tableAddress } from "../../lib/addresses";
import { shJoin, shQuote } from "../../lib/dr/shell";

/** What bash makes of a command line: its words, split on NUL. */
function bashWords(commandLine: string): string[] {
  const res = spawnSync("bash", ["-c", `printf '%s\\0' ${commandLine}`], { encoding: "utf8" });
  expect(res.stderr).toBe("");
  return res.stdout.split("\0").slice(0, -1);
}

describe("shQuote", () => {
  it("leaves safe words alone and quotes the rest", () => {
    expect(shQuote(tableAddress("CollectionsTable"))).toBe(tableAddress("CollectionsTable"));
    expect(shQuote("-chdir=/srv/infra")).toBe("-chdir=/srv/infra");
    expect(shQuote('module.dp["prod"].x')).toBe(`'module.dp["prod"].x'`);
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(shQuote("")).toBe("''");
    expect(shQuote("~")).toBe("'~'");
    expect(() => shQuote("a\0b")).toThrow("NUL");
  });

  it("round-trips tricky words through bash", () => {
    const words = [
      "",
      "it's",
      '"',
      "$HOME",
      "`id`",
      "a b",
      "*",
      "?",
      "[x]",
      "a\nb",
      "\\",
      "'",
      "''",
      "!x",
      "#c",
      "~",
      "é ✓",
    ];
    expect(bashWords(shJoin(words))).toEqual(words);
  });

  it("round-trips any string without NUL through bash (property)", () => {
    const word = fc.string({ unit: "binary", maxLength: 40 }).filter((s) => !s.includes("\0"));
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 20 }), (words) => {
        expect(bashWords(shJoin(words))).toEqual(words);
      }),
      { numRuns: 60 },
    );
  });
});
