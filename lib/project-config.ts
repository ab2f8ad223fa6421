/**
 * Project-wide names and settings shared by main.ts, the DR commands and the tests.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { TableCatalog } from "./catalog";
import { CATALOG_CONTEXT_KEY, loadCatalog } from "./catalog-schema";

/** The project root (this file lives in <root>/lib). */
export const PROJECT_ROOT = resolve(__dirname, "..");
/** Stack synthesized as the reusable module (its provider block and backend are stripped). */
export const MODULE_STACK_NAME = "data-persistence-module";
/** Stack for `cdktf deploy`. */
export const DEPLOY_STACK_NAME = "data-persistence";
/** Where `npm run synth` puts the module folder; $DDB_MODULE_OUT_DIR overrides it. */
export const DEFAULT_MODULE_OUT_DIR = join("dist", "modules", "data-persistence");
export const MODULE_OUT_DIR_ENV = "DDB_MODULE_OUT_DIR";
/** Provider range the synthesized module declares. */
export const AWS_PROVIDER_VERSION_RANGE = ">= 5.100.0, < 7.0.0";
/** Terraform version the module needs (import blocks in the DR recipes need 1.5). */
export const TERRAFORM_REQUIRED_VERSION = ">= 1.5.0";

/** The `context` object of the project's cdktf.json, or {} when there is none. */
export function readCdktfContext(root: string = PROJECT_ROOT): Record<string, unknown> {
  const file = join(root, "cdktf.json");
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}

/** The catalog in force for this project: $DDB_TABLE_CATALOG, else cdktf.json's `tableCatalog`, else the default. */
export function loadProjectCatalog(root: string = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): TableCatalog {
  const ctx = readCdktfContext(root)[CATALOG_CONTEXT_KEY];
  const contextPath = typeof ctx === "string" && ctx !== "" ? resolve(root, ctx) : undefined;
  return loadCatalog({ contextPath, env });
}
