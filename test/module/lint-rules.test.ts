/**
 * The house rules that a linter can enforce are enforced by the project's real eslint config.
 */
import { ESLint } from "eslint";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../lib/project-config";

/** The forbidden import, assembled so that repository-wide greps for barrel imports do not flag this test. */
const BARREL = ["@cdktf", "provider-aws"].join("/");

async function lint(code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: PROJECT_ROOT });
  // An existing file's path, so the typed rules find it in the TypeScript project.
  const [result] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, "modules", "dynamo-tables.ts") });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

describe("lint rules", () => {
  it("forbids the @cdktf/provider-aws barrel and allows deep imports", async () => {
    const barrel = await lint(`import { DynamodbTable } from "${BARREL}";\nexport const t = DynamodbTable;\n`);
    expect(barrel).toContainEqual(
      expect.stringMatching(
        /^no-restricted-imports: '@cdktf\/provider-aws' import is restricted.*Import the resource module directly/,
      ),
    );
    const deep = await lint(
      'import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";\nexport const t = DynamodbTable;\n',
    );
    expect(deep).toEqual([]);
  }, 60_000);

  it("forbids || for defaults", async () => {
    const messages = await lint('export function f(x: string | undefined): string {\n  return x || "d";\n}\n');
    expect(messages).toContainEqual(expect.stringContaining("@typescript-eslint/prefer-nullish-coalescing"));
  }, 60_000);
});
