/**
 * Bundles the pipeline's Lambda handlers (functions/*.ts) with esbuild into reproducible zips: one `index.js` per zip,
 * tree-shaken AWS SDK v3 inside, minified, no source maps or absolute paths, a fixed mtime and Unix permissions, so
 * two builds of the same sources are byte-identical (and so are two synths of the module, which ship the zips).
 *
 * Only the handlers are bundled: cdktf, constructs and the provider bindings are never allowed into a bundle.
 */
import { buildSync, type Metafile } from "esbuild";
import { zipSync } from "fflate";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../project-config";
import { LAMBDA_BUNDLE_TARGET, PIPELINE_FUNCTIONS, PipelineFunctionName } from "../pipeline/config";
import { CAPTURE_FUNCTIONS, type CaptureFunctionName } from "../capture/config";
import { RESTORE_TESTING_FUNCTIONS, type RestoreTestingFunctionName } from "../restore-testing/config";

/** Every bundled Lambda: the pipeline's, change capture's and restore testing's. */
export type LambdaFunctionName = PipelineFunctionName | CaptureFunctionName | RestoreTestingFunctionName;
const ALL_FUNCTIONS: Readonly<Record<LambdaFunctionName, string>> = {
  ...PIPELINE_FUNCTIONS,
  ...CAPTURE_FUNCTIONS,
  ...RESTORE_TESTING_FUNCTIONS,
};
/** Bundling order: the pipeline's functions, then change capture's, then restore testing's (each sorted). */
const BUNDLE_ORDER: readonly LambdaFunctionName[] = [
  ...(Object.keys(PIPELINE_FUNCTIONS).sort() as PipelineFunctionName[]),
  ...(Object.keys(CAPTURE_FUNCTIONS).sort() as CaptureFunctionName[]),
  ...(Object.keys(RESTORE_TESTING_FUNCTIONS).sort() as RestoreTestingFunctionName[]),
];

export interface LambdaBundle {
  readonly name: LambdaFunctionName;
  /** Absolute path of the zip. */
  readonly zipPath: string;
  /** base64 SHA-256 of the zip: Lambda's CodeSha256 and Terraform's `source_code_hash`. */
  readonly sha256Base64: string;
  readonly zipBytes: number;
  /** Size of the minified `index.js`. */
  readonly jsBytes: number;
}

export type LambdaBundles = Readonly<Record<LambdaFunctionName, LambdaBundle>>;

export interface BundleOptions {
  /** Where the zips go. @default <project>/.build/lambdas */
  readonly outDir?: string;
  /** Project root the entry points are relative to (esbuild's working directory). @default the project root */
  readonly root?: string;
}

/** Packages that must never end up inside a Lambda bundle. */
export const FORBIDDEN_IN_BUNDLES = ["cdktf", "constructs", "@cdktf/", "esbuild", "vitest"] as const;

/**
 * The zip entries' mtime: 1980-01-01 00:00:00, the earliest DOS time. fflate stores a Date's LOCAL fields, so the Date is
 * built from local fields at each call: the stored value is the same whatever the time zone.
 */
function fixedMtime(): Date {
  return new Date(1980, 0, 1, 0, 0, 0);
}
const FILE_MODE = 0o100644;
const UNIX = 3;

export const DEFAULT_BUNDLE_DIR = join(PROJECT_ROOT, ".build", "lambdas");

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BundleError";
  }
}

/** Builds one handler's `index.js` (minified CommonJS for the oldest runtime `lambda_runtime` accepts). */
export function buildHandler(
  name: LambdaFunctionName,
  root: string = PROJECT_ROOT,
): { js: Uint8Array; metafile: Metafile } {
  const entry = resolve(root, ALL_FUNCTIONS[name]);
  if (!existsSync(entry)) throw new BundleError(`Lambda ${name}: entry point ${entry} does not exist`);
  let result;
  try {
    result = buildSync({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      target: LAMBDA_BUNDLE_TARGET,
      format: "cjs",
      // ESM builds of the SDK tree-shake far better than its CommonJS ones.
      mainFields: ["module", "main"],
      minify: true,
      treeShaking: true,
      sourcemap: false,
      legalComments: "none",
      charset: "utf8",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
  } catch (err) {
    throw new BundleError(`Lambda ${name}: esbuild failed for ${entry}: ${(err as Error).message}`);
  }
  const forbidden = Object.keys(result.metafile.inputs).filter((input) =>
    FORBIDDEN_IN_BUNDLES.some((pkg) => input.includes(`node_modules/${pkg}`)),
  );
  if (forbidden.length > 0) {
    throw new BundleError(
      `Lambda ${name}: the bundle would include ${forbidden.slice(0, 3).join(", ")}; handlers must not import cdktf, constructs or the provider bindings (move shared code to lib/pipeline/)`,
    );
  }
  const out = result.outputFiles[0];
  if (out === undefined) throw new BundleError(`Lambda ${name}: esbuild produced no output`);
  return { js: out.contents, metafile: result.metafile };
}

/** A zip holding exactly `index.js`, byte-identical for identical input. */
export function zipHandler(js: Uint8Array): Uint8Array {
  return zipSync({ "index.js": [js, { level: 9, mtime: fixedMtime(), os: UNIX, attrs: FILE_MODE << 16 }] });
}

function writeAtomically(path: string, data: Uint8Array): void {
  // Several synths (test workers) may bundle at once; the content is identical, so last rename wins harmlessly.
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

const cache = new Map<string, LambdaBundles>();

/**
 * Bundles every pipeline and change-capture function into `<outDir>/<name>.zip` (once per process and folder) and returns where they are.
 */
export function bundleLambdas(options: BundleOptions = {}): LambdaBundles {
  const root = options.root ?? PROJECT_ROOT;
  const outDir = options.outDir ?? DEFAULT_BUNDLE_DIR;
  const cacheKey = `${root}\n${outDir}`;
  const cached = cache.get(cacheKey);
  if (cached !== undefined) return cached;
  mkdirSync(outDir, { recursive: true });
  const bundles = {} as Record<LambdaFunctionName, LambdaBundle>;
  for (const name of BUNDLE_ORDER) {
    const { js } = buildHandler(name, root);
    const zip = zipHandler(js);
    const zipPath = join(outDir, `${name}.zip`);
    const existing = existsSync(zipPath) ? readFileSync(zipPath) : undefined;
    if (existing === undefined || !Buffer.from(zip).equals(existing)) writeAtomically(zipPath, zip);
    bundles[name] = {
      name,
      zipPath,
      sha256Base64: createHash("sha256").update(zip).digest("base64"),
      zipBytes: zip.byteLength,
      jsBytes: js.byteLength,
    };
  }
  cache.set(cacheKey, bundles);
  return bundles;
}
