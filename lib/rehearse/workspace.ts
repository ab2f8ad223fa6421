/**
 * The rehearsal's scratch Terraform root: the module synthesized from this project (`tsx main.ts` with
 * DDB_MODULE_OUT_DIR in the scratch folder), the example consumer (examples/hcl-consumer, whose provider-local.tf
 * points the AWS provider at a loopback endpoint with fake credentials), and an override that switches the optional
 * pipeline features off and point-in-time recovery on for every table, to keep the rehearsal fast.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_MODULE_NAME } from "../addresses";
import type { TableCatalog } from "../catalog";
import { PreconditionError, ToolMissingError } from "../errors";
import { findTerraform, TerraformRunner } from "../dr/terraform";
import { DEFAULT_MODULE_OUT_DIR, MODULE_OUT_DIR_ENV, PROJECT_ROOT } from "../project-config";
import type { StepLog } from "./report";

/** The example consumer the rehearsal applies. */
export const REHEARSAL_EXAMPLE = join("examples", "hcl-consumer");
/** Module inputs switched off for the rehearsal (they are tested on their own, and slow the apply). */
export const REHEARSAL_FEATURES_OFF = ["enable_restore_drill", "enable_backup_plan"] as const;
/** Where the overrides the DR commands print are kept, as the README tells users (a tfvars file every plan reads). */
export const OVERRIDES_FILE = "dr.auto.tfvars.json";
/** Offline provider mirrors looked for when $TF_PLUGIN_DIR is not set (terraform init downloads otherwise). */
const PLUGIN_DIR_CANDIDATES = ["/opt/tf-plugins", "/usr/share/terraform/plugins"];
/** Scratch folders are `<tmp>/dynamo-dr-rehearsal-<random>`. */
export const SCRATCH_PREFIX = "dynamo-dr-rehearsal-";
const SYNTH_TIMEOUT_MS = 10 * 60_000;

export interface RehearsalWorkspace {
  /** The scratch folder (removed by `remove()`). */
  readonly base: string;
  /** The Terraform root module folder. */
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly terraform: TerraformRunner;
  /** Writes the table_name_overrides the restores printed into the root's tfvars file. */
  persistOverrides(overrides: Readonly<Record<string, string>>): void;
  remove(): void;
}

/** A filesystem mirror holding hashicorp/aws, or undefined (terraform init then uses the registry). */
export function providerMirror(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [env.TF_PLUGIN_DIR, ...PLUGIN_DIR_CANDIDATES];
  return dirs.find((d) => {
    if (d === undefined || d === "") return false;
    const aws = join(d, "registry.terraform.io", "hashicorp", "aws");
    return existsSync(aws) && readdirSync(aws).length > 0;
  });
}

function runChild(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    child.stderr.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), SYNTH_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new PreconditionError(`${cmd} ${args.join(" ")} failed (exit ${code ?? "signal"}):\n${out}`));
    });
  });
}

/** Synthesizes the module into `<base>/<DEFAULT_MODULE_OUT_DIR>` with the project's own main.ts. */
async function synthModule(base: string, env: NodeJS.ProcessEnv): Promise<void> {
  const tsx = join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
  if (!existsSync(join(PROJECT_ROOT, "main.ts")) || !existsSync(tsx)) {
    throw new PreconditionError(
      `rehearse --target local synthesizes the module from this project's sources, which are not here (${PROJECT_ROOT}); run it from a checkout after npm ci: npm run rehearse`,
    );
  }
  await runChild(tsx, ["main.ts"], PROJECT_ROOT, {
    ...env,
    [MODULE_OUT_DIR_ENV]: join(base, DEFAULT_MODULE_OUT_DIR),
    CDKTF_OUTDIR: join(base, "cdktf.out"),
  });
}

/**
 * The rehearsal's override: optional features off (faster), point-in-time recovery on for every table, and with
 * `captureTable` change capture on for it (which needs the export pipeline; otherwise the pipeline is off too).
 */
function overrideHcl(catalog: TableCatalog, captureTable: string | undefined): string {
  const tables = catalog.tables.map((t) => JSON.stringify(t.name)).join(", ");
  return [
    "# Rehearsal only: optional features off (faster), point-in-time recovery on for every table,",
    "# change capture on for the history scenario's table (it needs the export pipeline).",
    `module "${DEFAULT_MODULE_NAME}" {`,
    ...REHEARSAL_FEATURES_OFF.map((f) => `  ${f} = false`),
    `  enable_export_pipeline = ${captureTable === undefined ? "false" : "true"}`,
    ...(captureTable === undefined ? [] : [`  change_capture_tables = [${JSON.stringify(captureTable)}]`]),
    `  enable_point_in_time_tables = [${tables}]`,
    "}",
    "",
  ].join("\n");
}

/** The example's loopback provider file, replaced for --target aws. */
const LOCAL_PROVIDER_FILE = "provider-local.tf";

/**
 * --target aws: the AWS provider with the SDK's default chain (profile, region, credentials from the environment),
 * path-style S3 only when AWS_ENDPOINT_URL names a custom endpoint (as the project's own S3 client does).
 */
function useAccountProvider(root: string, env: NodeJS.ProcessEnv): void {
  rmSync(join(root, LOCAL_PROVIDER_FILE), { force: true });
  const custom = (env.AWS_ENDPOINT_URL ?? "") !== "";
  writeFileSync(
    join(root, "provider_rehearsal.tf"),
    [
      "# Rehearsal in an AWS account: the AWS SDK's default chain (AWS_PROFILE, AWS_REGION, credentials).",
      'provider "aws" {',
      ...(custom ? ["  s3_use_path_style = true # AWS_ENDPOINT_URL names a custom endpoint"] : []),
      "}",
      "",
    ].join("\n"),
  );
}

/** A new scratch folder for one rehearsal (the caller removes it, also on Ctrl-C). */
export function createScratchFolder(): string {
  return mkdtempSync(join(tmpdir(), SCRATCH_PREFIX));
}

/** The teardown's last step: removes the scratch folder (a failure is reported with what to run, not thrown). */
export async function removeScratchFolder(scratch: string | undefined, log: StepLog): Promise<void> {
  if (scratch === undefined) return;
  await log
    .step("remove the scratch folder", { fix: `remove it by hand: rm -rf ${scratch}` }, async () => {
      rmSync(scratch, { recursive: true, force: true });
      return scratch;
    })
    .catch(() => undefined);
}

/** Creates the scratch root in `base`, synthesizes the module into it and runs terraform init. */
export async function createWorkspace(
  base: string,
  prefix: string,
  catalog: TableCatalog,
  env: NodeJS.ProcessEnv,
  log: NodeJS.WritableStream,
  /** Turn change capture on for this catalog table. @default - capture off */
  captureTable?: string,
  /** "account": the AWS provider takes the SDK's default chain instead of the loopback test bed. @default "local" */
  provider: "local" | "account" = "local",
): Promise<RehearsalWorkspace> {
  if (findTerraform(env) === undefined) {
    throw new ToolMissingError(
      "terraform is not installed (not found on PATH); rehearse applies the module with it. Install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install).",
    );
  }
  const remove = (): void => rmSync(base, { recursive: true, force: true });
  try {
    const root = join(base, REHEARSAL_EXAMPLE);
    cpSync(join(PROJECT_ROOT, REHEARSAL_EXAMPLE), root, { recursive: true });
    writeFileSync(join(root, "rehearsal_override.tf"), overrideHcl(catalog, captureTable));
    if (provider === "account") useAccountProvider(root, env);
    writeFileSync(join(root, "rehearsal.auto.tfvars.json"), `${JSON.stringify({ prefix }, null, 2)}\n`);
    const rc = join(base, "empty.tfrc");
    writeFileSync(rc, "");
    const tfEnv = { ...env, TF_CLI_CONFIG_FILE: rc, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    await synthModule(base, env);
    const terraform = TerraformRunner.create({ chdir: root, cwd: base, env: tfEnv, log }, "rehearse");
    const mirror = providerMirror(env);
    await terraform.run([
      "init",
      "-input=false",
      "-no-color",
      ...(mirror === undefined ? [] : [`-plugin-dir=${mirror}`]),
    ]);
    return {
      base,
      root,
      env: tfEnv,
      terraform,
      persistOverrides(overrides) {
        writeFileSync(join(root, OVERRIDES_FILE), `${JSON.stringify({ table_name_overrides: overrides }, null, 2)}\n`);
      },
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}
