/**
 * One module deployment applied to moto by terraform, for the apply-to-moto tests: moto (with the test shim) started,
 * a workspace built, `terraform apply` run, and the resulting state read back. Each test file builds its own workspace
 * (which inputs it can set) and passes its inputs; the checks then read `resources` and call moto through `cli`.
 */
import { resetClients } from "../../lib/aws";
import { awsCli } from "../pipeline/support/aws-cli";
import { inputFlags } from "../pipeline/support/workspace";
import { startMoto, type Moto } from "./moto";
import { varFlags, type RunResult, type TerraformWorkspace } from "./terraform";

export interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly values: Record<string, unknown>;
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

export interface AppliedDeployment {
  readonly moto: Moto;
  readonly ws: TerraformWorkspace;
  /** The `-var` flags of the apply (a later plan passes the same). */
  readonly vars: readonly string[];
  /** Every resource of the module in the state after the apply. */
  readonly resources: readonly StateResource[];
  /** The values of the one resource of `type` named `name` (throws when there is none). */
  one(type: string, name: string): Record<string, unknown>;
  /** The aws CLI against moto, its JSON answer parsed. */
  cli<T = Record<string, unknown>>(...args: string[]): Promise<T>;
  /** `terraform plan -detailed-exitcode` with the apply's variables: code 0 is "no changes". */
  plan(): Promise<RunResult>;
  stop(): Promise<void>;
}

export interface ApplyOptions {
  /** Builds the workspace in which the test's inputs can be set. */
  readonly workspace: (moduleDir: string) => TerraformWorkspace;
  readonly moduleDir: string;
  readonly prefix: string;
  /** Module inputs (JSON values), beside aws_endpoint and prefix. */
  readonly inputs: Record<string, unknown>;
  /** Runs after moto starts and before the apply (e.g. to create what an input points at). */
  readonly before?: (moto: Moto) => Promise<Record<string, unknown>>;
}

export async function applyToMoto(opts: ApplyOptions): Promise<AppliedDeployment> {
  const moto = await startMoto();
  try {
    const extra = (await opts.before?.(moto)) ?? {};
    const ws = opts.workspace(opts.moduleDir);
    const vars = [
      ...varFlags({ aws_endpoint: moto.endpoint, prefix: opts.prefix }),
      ...inputFlags({ ...opts.inputs, ...extra }),
    ];
    await ws.init();
    await ws.tf(["apply", "-auto-approve", "-input=false", "-no-color", ...vars]);
    const shown = JSON.parse((await ws.tf(["show", "-json"])).stdout) as {
      values: { root_module: { child_modules: { resources: StateResource[] }[] } };
    };
    const resources = shown.values.root_module.child_modules.flatMap((m) => m.resources);
    return {
      moto,
      ws,
      vars,
      resources,
      one(type, name) {
        const r = resources.find((x) => x.type === type && x.name === name);
        if (r === undefined) throw new Error(`no ${type}.${name} in the state`);
        return r.values;
      },
      cli: (...args) => awsCli(moto.env(), moto.endpoint, args),
      plan: () => ws.tf(["plan", "-detailed-exitcode", "-input=false", "-no-color", ...vars], { allowFail: true }),
      async stop() {
        resetClients();
        await moto.stop();
      },
    };
  } catch (err) {
    await moto.stop();
    throw err;
  }
}
