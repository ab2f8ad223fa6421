/**
 * Runs the terraform CLI for the --execute paths: found on PATH, run with an argv (never through a shell),
 * each command echoed to the log before it runs. Also reads `terraform show -json` (state and plans).
 */
import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { PreconditionError, ToolMissingError, UsageError } from "../errors";
import { shJoin } from "./shell";

export const TERRAFORM_BINARY = "terraform";

/** The terraform executable on PATH, or undefined. */
export function findTerraform(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, TERRAFORM_BINARY);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A terraform command exited with a code it should not have. The --execute steps turn it into a message that says what
 * was changed; one that escapes them is still a typed error (exit 3, terraform's own output in the message).
 */
export class TerraformCommandError extends PreconditionError {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`${command} failed (exit ${result.code}):\n${tail(result.stderr || result.stdout)}`);
    this.name = "TerraformCommandError";
  }
}

/** The last lines of terraform's output, enough to see the error. */
export function tail(text: string, maxLines = 40): string {
  const lines = text.trimEnd().split("\n");
  return lines.slice(-maxLines).join("\n");
}

export interface TerraformRunnerOptions {
  /** The root module folder, as the user gave it (shown in the commands). */
  readonly chdir: string;
  /** Directory `chdir` is relative to. */
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where each command is echoed (and, for state-changing commands, terraform's own output). */
  readonly log: NodeJS.WritableStream;
}

export interface RunOptions {
  /** Exit codes that are not failures. @default [0] */
  readonly okCodes?: readonly number[];
  /** Copy terraform's output to the log as well. @default false */
  readonly echoOutput?: boolean;
}

export class TerraformRunner {
  /** Checks that terraform is installed and the folder exists; throws the typed errors otherwise. */
  static create(opts: TerraformRunnerOptions, why: string): TerraformRunner {
    const bin = findTerraform(opts.env);
    if (bin === undefined) {
      throw new ToolMissingError(
        `terraform is not installed (not found on PATH); ${why} runs terraform. Install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install), or leave out --execute and run the printed commands yourself.`,
      );
    }
    const dir = isAbsolute(opts.chdir) ? opts.chdir : resolve(opts.cwd, opts.chdir);
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      /* missing */
    }
    if (!isDir) throw new UsageError(`--chdir: "${opts.chdir}" is not a directory (resolved to ${dir})`);
    return new TerraformRunner(bin, dir, opts);
  }

  private constructor(
    readonly bin: string,
    /** Absolute root module folder. */
    readonly dir: string,
    private readonly opts: TerraformRunnerOptions,
  ) {}

  /** argv as shown to the user: `terraform -chdir=<as given> …`. */
  display(args: readonly string[]): string[] {
    return [TERRAFORM_BINARY, `-chdir=${this.opts.chdir}`, ...args];
  }

  async run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const shown = shJoin(this.display(args));
    this.opts.log.write(`$ ${shown}\n`);
    const result = await spawnCollect(this.bin, [`-chdir=${this.dir}`, ...args], this.opts.cwd, this.opts.env, {
      echo: options.echoOutput === true ? this.opts.log : undefined,
    });
    if (!(options.okCodes ?? [0]).includes(result.code)) throw new TerraformCommandError(shown, result);
    return result;
  }

  /**
   * Every resource instance in the current state. Read from `terraform state pull` (no provider start-up, so it
   * is seconds faster than `terraform show -json`, which is the fallback for a state format other than v4).
   */
  async stateResources(): Promise<StateResource[]> {
    try {
      const pulled = (await this.run(["state", "pull"])).stdout;
      if (pulled.trim() === "") return [];
      const parsed = JSON.parse(pulled) as RawState;
      if (parsed.version === 4) return rawStateResources(parsed);
      return flattenStateResources(JSON.parse((await this.run(["show", "-json", "-no-color"])).stdout) as StateJson);
    } catch (err) {
      if (err instanceof TerraformCommandError) {
        throw new PreconditionError(
          `cannot read the Terraform state in ${this.opts.chdir}: ${err.message}\nRun \`terraform init\` there first (with the same backend configuration as your deployment).`,
        );
      }
      throw err;
    }
  }
}

function spawnCollect(
  cmd: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  opts: { echo?: NodeJS.WritableStream },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, [...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => {
      out.push(d);
      opts.echo?.write(d);
    });
    child.stderr.on("data", (d: Buffer) => {
      err.push(d);
      opts.echo?.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      resolvePromise({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// `terraform show -json` of the state
// ---------------------------------------------------------------------------------------------------------------

export interface StateResource {
  readonly address: string;
  readonly mode: string;
  readonly type: string;
  readonly values: Readonly<Record<string, unknown>>;
}

interface StateModule {
  readonly resources?: readonly StateResource[];
  readonly child_modules?: readonly StateModule[];
}

interface StateJson {
  readonly values?: { readonly root_module?: StateModule };
}

/** The v4 state file format (`terraform state pull`). */
interface RawState {
  readonly version?: number;
  readonly resources?: readonly {
    readonly module?: string;
    readonly mode?: string;
    readonly type: string;
    readonly name: string;
    readonly instances?: readonly {
      readonly index_key?: string | number;
      readonly attributes?: Record<string, unknown>;
    }[];
  }[];
}

/** Resource instance addresses as Terraform writes them: `module.x["k"].aws_dynamodb_table.t[0]`. */
export function rawStateResources(state: RawState): StateResource[] {
  const out: StateResource[] = [];
  for (const r of state.resources ?? []) {
    const mode = r.mode ?? "managed";
    const base = `${r.module === undefined ? "" : `${r.module}.`}${mode === "data" ? "data." : ""}${r.type}.${r.name}`;
    for (const i of r.instances ?? []) {
      const key = i.index_key === undefined ? "" : `[${JSON.stringify(i.index_key)}]`;
      out.push({ address: `${base}${key}`, mode, type: r.type, values: i.attributes ?? {} });
    }
  }
  return out;
}

export function flattenStateResources(state: StateJson): StateResource[] {
  const out: StateResource[] = [];
  const walk = (m: StateModule | undefined): void => {
    if (m === undefined) return;
    for (const r of m.resources ?? []) out.push(r);
    for (const c of m.child_modules ?? []) walk(c);
  };
  walk(state.values?.root_module);
  return out;
}
