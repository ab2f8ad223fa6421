/**
 * Turns the synthesized module stack into a Terraform module folder that a plain HCL stack can consume:
 * no backend, no provider block, required_providers pinned to the supported range, assets under ${path.module}.
 * The folder is written next to its destination and renamed into place, so it is never left half-written.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AWS_PROVIDER_VERSION_RANGE, TERRAFORM_REQUIRED_VERSION } from "../project-config";

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

/** Writes the module folder from a synthesized stack folder (cdktf.out/stacks/<name>). */
export function packageModule(stackDir: string, destDir: string): void {
  const stack = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as Json;
  const moduleJson = toModuleJson(stack);
  mkdirSync(dirname(destDir), { recursive: true });
  const staging = `${destDir}.staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, MODULE_MAIN_FILE), `${JSON.stringify(moduleJson, null, 2)}\n`);
  const assets = join(stackDir, "assets");
  if (existsSync(assets)) cpSync(assets, join(staging, "assets"), { recursive: true });
  const old = `${destDir}.old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(destDir)) renameSync(destDir, old);
  renameSync(staging, destDir);
  rmSync(old, { recursive: true, force: true });
}
