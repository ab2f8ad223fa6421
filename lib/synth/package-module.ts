/**
 * Turns the synthesized module stack into a Terraform module folder that a plain HCL stack can consume:
 * no backend, no provider block, required_providers pinned to the supported range, assets under ${path.module}.
 *
 * The destination is only ever a new (or empty) folder or a module folder this project wrote before: synth writes a
 * marker file listing every file it wrote, and refuses any other existing path ($DDB_MODULE_OUT_DIR pointed at `.`, a
 * home folder, a file or a repository must never be deleted or replaced). The new folder is built in a work folder
 * that synth itself creates next to the destination and renamed into place, so it is never left half-written; no other
 * sibling is touched.
 *
 * Subsystem lib/synth — owns synthesis helpers: module variables, the Lambda bundles (./bundle-lambdas.ts) and the
 * module folder. May import lib/pipeline (what to bundle), the core files and lib/errors.ts
 * (test/house/dependencies.test.ts holds the rules).
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { UsageError } from "../errors";
import { AWS_PROVIDER_VERSION_RANGE, MODULE_OUT_DIR_ENV, TERRAFORM_REQUIRED_VERSION } from "../project-config";

type Json = Record<string, unknown>;

/** Pure transform of a stack's cdk.tf.json into module JSON. */
export function toModuleJson(stack: Json): Json {
  const out: Json = { ...stack };
  delete out["//"];
  delete out.provider;
  const terraform = { ...((out.terraform as Json | undefined) ?? {}) };
  delete terraform.backend;
  const required = { ...((terraform.required_providers as Json | undefined) ?? {}) };
  required.aws = { source: "hashicorp/aws", version: AWS_PROVIDER_VERSION_RANGE };
  terraform.required_providers = required;
  terraform.required_version = TERRAFORM_REQUIRED_VERSION;
  out.terraform = terraform;
  return normalize(out) as Json;
}

/** Sorts object keys and drops cdktf's "//" metadata comments (construct paths), recursively. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => k !== "//")
        .sort()
        .map((k) => [k, normalize((value as Json)[k])]),
    );
  }
  return value;
}

export const MODULE_MAIN_FILE = "main.tf.json";
/** Written by synth into every module folder: proof that synth wrote the folder, and the list of what it wrote. */
export const MODULE_MARKER_FILE = ".dynamo-data-safe-module";
const MARKER_HEADER =
  "# Written by dynamo-data-safe synth (npm run synth). Synth replaces this folder on every run and refuses to\n" +
  "# replace it if it holds any file not listed here. Files written:\n";

/** Thrown when $DDB_MODULE_OUT_DIR names a path synth must not replace. Kind "usage": exit 2. */
export class ModuleOutDirError extends UsageError {}

/** Every file below `dir`, relative, with `/` separators, sorted (directories are not listed, symlinks are). */
function filesBelow(dir: string, base: string = dir): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      return e.isDirectory() ? filesBelow(p, base) : [relative(base, p).split(sep).join("/")];
    })
    .sort();
}

function markerFiles(dir: string): Set<string> | undefined {
  const marker = join(dir, MODULE_MARKER_FILE);
  if (!existsSync(marker) || !lstatSync(marker).isFile()) return undefined;
  const text = readFileSync(marker, "utf8");
  if (!text.startsWith(MARKER_HEADER)) return undefined;
  return new Set(
    text
      .slice(MARKER_HEADER.length)
      .split("\n")
      .filter((l) => l !== ""),
  );
}

function refuse(dir: string, why: string): never {
  throw new ModuleOutDirError(
    `${MODULE_OUT_DIR_ENV}: ${dir} ${why}; synth writes the module only to a new or empty folder or to a module folder it wrote before (one holding ${MODULE_MARKER_FILE}), and never deletes or replaces anything else. Choose another path, or move that one away yourself.`,
  );
}

/**
 * Throws a {@link ModuleOutDirError} unless `dir` does not exist, is an empty folder, or is a module folder synth
 * wrote whose files are all listed in its marker. Reads only.
 */
export function checkModuleOutDir(dir: string): void {
  if (!existsSync(dir) && !isDanglingLink(dir)) return;
  const stat = lstatSync(dir);
  if (stat.isSymbolicLink()) refuse(dir, "is a symbolic link");
  if (!stat.isDirectory()) refuse(dir, "is a file, not a folder");
  const present = filesBelow(dir);
  if (present.length === 0) return;
  const written = markerFiles(dir);
  if (written === undefined)
    refuse(dir, `already exists and was not written by synth (it has no ${MODULE_MARKER_FILE})`);
  const foreign = present.filter((f) => f !== MODULE_MARKER_FILE && !written.has(f));
  if (foreign.length > 0) {
    refuse(
      dir,
      `is a module folder synth wrote, but it also holds ${foreign.length === 1 ? "a file" : "files"} synth did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""})`,
    );
  }
}

function isDanglingLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Writes the module folder from a synthesized stack folder (cdktf.out/stacks/<name>). */
export function packageModule(stackDir: string, destDir: string): void {
  checkModuleOutDir(destDir);
  const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as Json;
  const moduleJson = toModuleJson(stack);
  mkdirSync(dirname(destDir), { recursive: true });
  // A work folder of our own next to the destination (same file system, so the renames are atomic).
  const work = mkdtempSync(join(dirname(destDir), `.${basename(destDir)}.synth-`));
  try {
    const staging = join(work, "new");
    mkdirSync(staging);
    writeFileSync(join(staging, MODULE_MAIN_FILE), `${JSON.stringify(moduleJson, null, 2)}\n`);
    const assets = join(stackDir, "assets");
    if (existsSync(assets)) cpSync(assets, join(staging, "assets"), { recursive: true });
    writeFileSync(join(staging, MODULE_MARKER_FILE), `${MARKER_HEADER}${filesBelow(staging).join("\n")}\n`);
    checkModuleOutDir(destDir);
    if (existsSync(destDir)) renameSync(destDir, join(work, "old"));
    renameSync(staging, destDir);
  } finally {
    // Holds only what synth wrote: the new folder if the rename failed, and the previous module folder (checked above).
    rmSync(work, { recursive: true, force: true });
  }
}
