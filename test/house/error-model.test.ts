/**
 * One error model: domain errors carry a kind (lib/errors.ts) and lib/cli/errors.ts alone turns a kind into an exit
 * code. The table I/O and export-format errors keep their own fields and map exactly as the commands promise.
 */
import { describe, expect, it } from "vitest";
import * as cliErrors from "../../lib/cli/errors";
import { EXIT, EXIT_CODE_BY_KIND, exitCodeFor } from "../../lib/cli/errors";
import { TerraformCommandError } from "../../lib/dr/terraform";
import { DrError } from "../../lib/errors";
import { ExportFormatError, type ExportFormatProblem } from "../../lib/export-format";
import { RestoreIncompleteError } from "../../lib/table-io";

describe("the error model", () => {
  it("lib/cli/errors.ts holds the exit codes and the one kind → code map, and nothing else", () => {
    expect(Object.keys(cliErrors).sort()).toEqual(["EXIT", "EXIT_CODE_BY_KIND", "exitCodeFor"]);
    const codes = Object.values(EXIT_CODE_BY_KIND);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(EXIT.ok);
    expect(codes).not.toContain(EXIT.unexpected);
    expect(exitCodeFor(new Error("a bug"))).toBe(EXIT.unexpected);
  });

  it("export-format problems map to the exit codes the commands document", () => {
    const expected: Record<ExportFormatProblem, number> = {
      "not-found": EXIT.notFound,
      ambiguous: EXIT.usage,
      incomplete: EXIT.precondition,
      corrupt: EXIT.verification,
      invalid: EXIT.verification,
    };
    for (const [problem, code] of Object.entries(expected)) {
      const err = new ExportFormatError(problem as ExportFormatProblem, "s3://b/p/manifest-files.json", "bad");
      expect(err).toBeInstanceOf(DrError);
      expect([err.problem, err.file, err.name, exitCodeFor(err)]).toEqual([
        problem,
        "s3://b/p/manifest-files.json",
        "ExportFormatError",
        code,
      ]);
    }
  });

  it("the restore's incomplete error and terraform errors are DrErrors with the right codes", () => {
    const incomplete = new RestoreIncompleteError("2 items missing", 10, 8);
    expect([incomplete.name, incomplete.missing, exitCodeFor(incomplete)]).toEqual([
      "RestoreIncompleteError",
      2,
      EXIT.verification,
    ]);
    const tf = new TerraformCommandError("terraform show", { code: 1, stdout: "", stderr: "Error: no plan" });
    expect([tf.name, exitCodeFor(tf)]).toEqual(["TerraformCommandError", EXIT.precondition]);
  });
});
