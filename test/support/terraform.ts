/**
 * Runs terraform against the offline provider mirror, in a throwaway copy of an example consumer.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { PROJECT_ROOT, DEFAULT_MODULE_OUT_DIR } from "../../lib/project-config";
import { DEFAULT_MODULE_NAME } from "../../lib/addresses";
import { findPluginDir } from "./tools";

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for terraform in tests: empty CLI config, no checkpoint calls, no metadata API. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const rc = join(tmpdir(), "dds-empty.tfrc");
  writeFileSync(rc, "");
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: rc,
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

export function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export class TerraformWorkspace {
  constructor(
    /** The root module folder terraform runs in. */
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /**
   * Copies an example consumer and the synthesized module into a temp folder with the repo's layout,
   * so the example's relative `source` works unchanged.
   */
  static fromExample(example: string, moduleDir: string, env: NodeJS.ProcessEnv = {}): TerraformWorkspace {
    const root = mkdtempSync(join(tmpdir(), "dds-tf-"));
    const exampleRel = join("examples", example);
    cpSync(join(PROJECT_ROOT, exampleRel), join(root, exampleRel), { recursive: true });
    cpSync(moduleDir, join(root, DEFAULT_MODULE_OUT_DIR), { recursive: true });
    return new TerraformWorkspace(join(root, exampleRel), terraformEnv(env));
  }

  async tf(args: readonly string[], opts: { allowFail?: boolean } = {}): Promise<RunResult> {
    const res = await run("terraform", [...args], this.dir, this.env);
    if (res.code !== 0 && opts.allowFail !== true) {
      throw new Error(`terraform ${args.join(" ")} failed (${res.code}) in ${this.dir}:\n${res.stderr}\n${res.stdout}`);
    }
    return res;
  }

  async init(): Promise<void> {
    const pluginDir = findPluginDir();
    if (pluginDir === undefined) throw new Error("no terraform provider mirror");
    await this.tf(["init", "-input=false", "-no-color", `-plugin-dir=${pluginDir}`]);
  }

  /** `plan -out`, then `show -json` of the plan. */
  async planJson(args: readonly string[] = []): Promise<TerraformPlan> {
    await this.tf(["plan", "-input=false", "-no-color", "-out=tfplan.bin", ...args]);
    const shown = await this.tf(["show", "-json", "tfplan.bin"]);
    return JSON.parse(shown.stdout) as TerraformPlan;
  }

  /**
   * One `plan -json`: what the plan creates, changes or destroys (address, type, action), read from its streamed
   * `planned_change` messages. Cheaper than `planJson` (no `show`), for tests that need no attribute values.
   */
  async plannedChanges(args: readonly string[] = []): Promise<PlannedChange[]> {
    const res = await this.tf(["plan", "-input=false", "-json", "-lock=false", ...args]);
    const messages = res.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { type: string; change?: StreamedChange });
    // A plan that streamed no summary is not one this reader understands: fail rather than report "nothing planned".
    if (!messages.some((m) => m.type === "change_summary")) throw new Error(`no change_summary in:\n${res.stdout}`);
    return messages
      .filter((m) => m.type === "planned_change" && m.change !== undefined)
      .map(({ change }) => {
        const { resource, action } = change as StreamedChange;
        return { address: resource.addr, type: resource.resource_type, action };
      });
  }

  /**
   * Switches the module's optional features (export pipeline, restore drill, backup plan) off through an override
   * file for the example's module block, for tests that are about the tables only. The pipeline's own tests apply it.
   * `extra` lines (HCL arguments) go into the same module override.
   */
  disableOptionalFeatures(extra: readonly string[] = []): void {
    writeFileSync(
      join(this.dir, "features_off_override.tf"),
      `module "${DEFAULT_MODULE_NAME}" {\n${[...OPTIONAL_FEATURE_SWITCHES.map((v) => `  ${v} = false`), ...extra].join("\n")}\n}\n`,
    );
  }

  relativeTo(path: string): string {
    return relative(this.dir, path);
  }
}

/** Module inputs that switch optional features on (all default to true). */
export const OPTIONAL_FEATURE_SWITCHES = [
  "enable_export_pipeline",
  "enable_restore_drill",
  "enable_backup_plan",
] as const;

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly change: {
    readonly actions: string[];
    readonly after: Record<string, unknown> | null;
    readonly before: Record<string, unknown> | null;
  };
}

/** A resource change as `plan -json` streams it. */
export interface PlannedChange {
  readonly address: string;
  readonly type: string;
  /** create, update, delete, replace, read, noop, … */
  readonly action: string;
}

interface StreamedChange {
  readonly resource: { readonly addr: string; readonly resource_type: string };
  readonly action: string;
}

export interface TerraformPlan {
  readonly resource_changes?: ResourceChange[];
  readonly planned_values?: unknown;
}

/** The synthesized module's `source` as a module block in an example folder (examples/<name>) writes it. */
export const EXAMPLE_MODULE_SOURCE = `../../${DEFAULT_MODULE_OUT_DIR.split(sep).join("/")}`;

/** One diagnostic of `plan -json` / `validate -json`, with where it points (`range`, `snippet`) when it points somewhere. */
export interface TerraformDiagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
  readonly range?: { readonly filename: string; readonly start: { readonly line: number } };
  readonly snippet?: { readonly context: string | null; readonly code: string };
}

/** The error diagnostics of a `plan -json` run's stdout (one JSON message a line). */
export function jsonErrors(stdout: string): TerraformDiagnostic[] {
  return stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { type: string; diagnostic?: TerraformDiagnostic })
    .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
    .map((m) => m.diagnostic as TerraformDiagnostic);
}

/** Terraform variables as `-var` flags (values JSON-encoded, which is valid HCL for lists, maps, strings). */
export function varFlags(vars: Record<string, unknown>): string[] {
  return Object.entries(vars).flatMap(([k, v]) => ["-var", `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`]);
}
