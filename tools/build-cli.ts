/**
 * Builds the `dynamo-dr` CLI into a self-contained npm package folder, dist/cli/:
 *   dynamo-dr.js   one CommonJS file with a `#!/usr/bin/env node` shebang: the commands, lib/ and the AWS SDK bundled in
 *   package.json   a minimal manifest: name, version, bin, engines — and no dependencies
 *   README.md      how to install and run it
 * so that `npm pack ./dist/cli` → `npm install -g <tarball>` works offline, in any folder, with no tsx or TypeScript.
 * cdktf, constructs and the provider bindings are never bundled (the build fails if any would be).
 *
 * Usage: npm run build:cli          (writes dist/cli/)
 *        npm run pack:cli           (builds, then `npm pack`s it into dist/: dynamo-dr-<version>.tgz)
 */
import { buildSync } from "esbuild";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/project-config";

/** The CLI's package name and its executable's name. */
export const CLI_PACKAGE_NAME = "dynamo-dr";
export const CLI_BIN_NAME = "dynamo-dr";
export const CLI_ENTRY = "scripts/dr.ts";
export const CLI_OUT_DIR = join(PROJECT_ROOT, "dist", "cli");
export const CLI_BUNDLE_FILE = "dynamo-dr.js";
/** The oldest Node the CLI supports (package.json "engines"). */
export const CLI_NODE_TARGET = "node20";
export const NODE_SHEBANG = "#!/usr/bin/env node";

/** Packages that must never end up in the CLI bundle: synthesis-only (the CLI never synthesizes) or development tools. */
export const FORBIDDEN_IN_CLI = ["cdktf", "constructs", "@cdktf/", "esbuild", "vitest", "typescript", "tsx"] as const;

export class CliBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliBuildError";
  }
}

interface RootManifest {
  readonly version: string;
  readonly license: string;
  readonly description: string;
  readonly engines: { readonly node: string };
}

/** The CLI package's manifest: the root's version, license and engines; no dependencies (everything is bundled). */
export function cliManifest(root: RootManifest): Record<string, unknown> {
  return {
    name: CLI_PACKAGE_NAME,
    version: root.version,
    private: true,
    description:
      "dynamo-dr: disaster-recovery commands for the dynamo-data-safe DynamoDB module (bundled, no dependencies).",
    license: root.license,
    engines: root.engines,
    bin: { [CLI_BIN_NAME]: CLI_BUNDLE_FILE },
    files: [CLI_BUNDLE_FILE, "README.md"],
  };
}

const CLI_README = `# dynamo-dr

Disaster-recovery commands for the dynamo-data-safe DynamoDB module, bundled into one file (no dependencies).

    npm install -g ./dynamo-dr-<version>.tgz
    dynamo-dr --help
    dynamo-dr help restore-pitr

The commands use the default table catalog, or the catalog file named by $DDB_TABLE_CATALOG.
AWS settings come from the SDK's standard configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, …).
`;

/** Bundles scripts/dr.ts into one readable (unminified) CommonJS file starting with a node shebang; returns its text. */
export function bundleCli(root: string = PROJECT_ROOT): string {
  const result = buildSync({
    entryPoints: [join(root, CLI_ENTRY)],
    absWorkingDir: root,
    bundle: true,
    // DuckDB (rebuild, verify --table) is a native module: loaded at run time when installed beside the CLI.
    external: ["@duckdb/node-api"],
    platform: "node",
    target: CLI_NODE_TARGET,
    format: "cjs",
    // ESM builds of the SDK tree-shake far better than its CommonJS ones.
    mainFields: ["module", "main"],
    treeShaking: true,
    sourcemap: false,
    legalComments: "none",
    charset: "utf8",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const forbidden = Object.keys(result.metafile.inputs).filter((input) =>
    FORBIDDEN_IN_CLI.some((pkg) => input.includes(`node_modules/${pkg}`)),
  );
  if (forbidden.length > 0) {
    throw new CliBuildError(
      `the CLI bundle would include ${forbidden.slice(0, 3).join(", ")}; the commands must not import synthesis code (cdktf, constructs, the provider bindings) or development tools`,
    );
  }
  const out = result.outputFiles[0];
  if (out === undefined) throw new CliBuildError("esbuild produced no output");
  // esbuild keeps the entry's own `#!/usr/bin/env tsx` line; the built file runs on plain node.
  return `${NODE_SHEBANG}\n${out.text.replace(/^#![^\n]*\n/, "")}`;
}

/** Writes dist/cli/ (replacing what was there). Returns the folder. */
export function buildCli(root: string = PROJECT_ROOT, outDir: string = CLI_OUT_DIR): string {
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as RootManifest;
  const js = bundleCli(root);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const bin = join(outDir, CLI_BUNDLE_FILE);
  writeFileSync(bin, js);
  chmodSync(bin, 0o755);
  writeFileSync(join(outDir, "package.json"), `${JSON.stringify(cliManifest(manifest), null, 2)}\n`);
  writeFileSync(join(outDir, "README.md"), CLI_README);
  return outDir;
}

if (require.main === module) {
  const dir = buildCli();
  const bytes = readFileSync(join(dir, CLI_BUNDLE_FILE)).byteLength;
  console.log(`built ${join(dir, CLI_BUNDLE_FILE)} (${(bytes / 1024).toFixed(0)} KiB)`);
}
