/**
 * The --execute path shared by the three commands: read-only preflight (terraform installed, state readable,
 * addresses where they should be, the override reachable), then — after the caller's confirmation — save the state,
 * run state rm / import, plan with the override and stop loudly if any DynamoDB table would be destroyed or replaced.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { DYNAMODB_TABLE_RESOURCE_TYPE } from "../addresses";
import { NotFoundError, PreconditionError, SafetyStopError, UsageError } from "../errors";
import { ImportPlan, TABLE_NAME_OVERRIDES_INPUT, TerraformStep, overrideEntries, terraformSteps } from "./import-plan";
import { planFileName } from "./names";
import {
  PlanAnalysis,
  PlanJson,
  analyzePlan,
  describeTableChange,
  plannedTableName,
  traceOverridesVariable,
} from "./plan-analysis";
import { shJoin } from "./shell";
import { StateBackup, backupState } from "./state-backup";
import { StateResource, TerraformCommandError, TerraformRunner, tail } from "./terraform";

export interface ExecuteIO {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Terraform commands and their output are logged here (stderr: stdout stays clean for --json). */
  readonly log: NodeJS.WritableStream;
}

export interface ExecuteImportOptions {
  /** The plan to carry out; its `chdir` is the root module folder. */
  readonly plan: ImportPlan;
  /** The override entries are already in the configuration: plan without passing them. @default false */
  readonly overrideInConfig?: boolean;
  /** The address was already removed from the state (a previous run): import only. @default false */
  readonly skipStateRm?: boolean;
  /** Where the state backup and the plan are written. @default the root module folder */
  readonly backupDir?: string;
  readonly now: Date;
  /** What the command is, for messages ("import-restored-table --execute"). */
  readonly why: string;
}

export interface SkippedTarget {
  readonly address: string;
  readonly reason: string;
}

export interface PreparedImport {
  readonly runner: TerraformRunner;
  readonly plan: ImportPlan;
  /** The state rm / import commands that will run, in order. */
  readonly steps: readonly TerraformStep[];
  readonly skipped: readonly SkippedTarget[];
  /** The root variable the override is passed in, and its merged value (existing entries + ours). */
  readonly overrideVariable?: { readonly name: string; readonly value: Readonly<Record<string, string>> };
  readonly backupDir: string;
  readonly planFile: string;
  /** The final `terraform plan` arguments. */
  readonly planArgs: readonly string[];
}

export interface ImportExecution {
  readonly stateBackup: string;
  readonly planFile: string;
  readonly commandsRun: readonly string[];
  readonly skipped: readonly SkippedTarget[];
  /** 0: no changes, 2: changes (terraform plan -detailed-exitcode). */
  readonly planExitCode: number;
  readonly analysis: PlanAnalysis;
  /** Apply exactly the plan that was checked. */
  readonly applyCommand: string;
  readonly undoCommand: string;
  readonly overrideVariable?: { readonly name: string; readonly value: Readonly<Record<string, string>> };
}

async function preflightPlan(runner: TerraformRunner, varArgs: readonly string[]): Promise<PlanJson> {
  const dir = mkdtempSync(join(tmpdir(), "dynamo-dr-preflight-"));
  try {
    const file = join(dir, "preflight.tfplan");
    try {
      await runner.run(["plan", "-input=false", "-no-color", "-refresh=false", `-out=${file}`, ...varArgs]);
    } catch (err) {
      if (err instanceof TerraformCommandError) {
        throw new PreconditionError(
          `the read-only preflight plan failed, so nothing was changed. Fix this first (pass your variables with --var-file/--var or TF_VAR_*):\n${err.message}`,
        );
      }
      throw err;
    }
    return JSON.parse((await runner.run(["show", "-json", file])).stdout) as PlanJson;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Everything that can be checked without changing anything. Throws the typed error for each problem. */
export async function prepareImport(opts: ExecuteImportOptions, io: ExecuteIO): Promise<PreparedImport> {
  const { plan } = opts;
  if (plan.chdir === undefined) throw new UsageError("--execute needs --chdir <terraform root module folder>");
  const runner = TerraformRunner.create({ chdir: plan.chdir, cwd: io.cwd, env: io.env, log: io.log }, opts.why);
  const targets = classifyTargets(plan, await runner.stateResources(), opts.skipStateRm === true);
  const steps = terraformSteps(plan).filter((s) =>
    (s.kind === "state-rm" ? targets.rm : targets.import).has(s.address),
  );
  const overrideVariable = opts.overrideInConfig === true ? undefined : await overrideVariableFor(runner, plan);
  const backupDir =
    opts.backupDir === undefined
      ? runner.dir
      : isAbsolute(opts.backupDir)
        ? opts.backupDir
        : resolve(io.cwd, opts.backupDir);
  const planFile = join(backupDir, planFileName(opts.now));
  const planArgs = [
    "plan",
    "-input=false",
    "-no-color",
    "-detailed-exitcode",
    `-out=${planFile}`,
    ...plan.varArgs,
    ...(overrideVariable === undefined
      ? []
      : [`-var=${overrideVariable.name}=${JSON.stringify(overrideVariable.value)}`]),
  ];
  return { runner, plan, steps, skipped: targets.skipped, overrideVariable, backupDir, planFile, planArgs };
}

/** Which addresses to `state rm`, which to import, and which to leave as they are (with why). */
interface TargetActions {
  readonly rm: Set<string>;
  readonly import: Set<string>;
  readonly skipped: SkippedTarget[];
}

/** Decides, from the current state, what to do with each of the plan's targets. */
function classifyTargets(plan: ImportPlan, state: readonly StateResource[], skipStateRm: boolean): TargetActions {
  const byAddress = new Map(state.map((r) => [r.address, r]));
  const out: TargetActions = { rm: new Set(), import: new Set(), skipped: [] };
  for (const t of plan.targets) {
    const current = byAddress.get(t.address);
    const currentName = typeof current?.values.name === "string" ? current.values.name : undefined;
    if (!t.stateRm) {
      if (current === undefined) out.import.add(t.address);
      else out.skipped.push({ address: t.address, reason: keptReason(currentName, t.tableName) });
    } else if (current === undefined) {
      if (!skipStateRm) throw notInState(plan, t.address, state);
      out.import.add(t.address);
    } else if (currentName === t.tableName) {
      out.skipped.push({ address: t.address, reason: `already manages ${t.tableName} (imported earlier)` });
    } else {
      if (skipStateRm) {
        throw new UsageError(
          `--skip-state-rm: ${t.address} is still in the state (as ${currentName ?? "?"}); leave out --skip-state-rm so it is removed first`,
        );
      }
      out.rm.add(t.address);
      out.import.add(t.address);
    }
  }
  return out;
}

/** Why a target that needs no state rm and is already in the state is left alone. */
function keptReason(currentName: string | undefined, tableName: string): string {
  return currentName === tableName
    ? `already in the state as ${tableName}; the plan refreshes it`
    : `already in the state as ${currentName ?? "?"} (not ${tableName}); left as it is — check the plan`;
}

function notInState(plan: ImportPlan, address: string, state: readonly StateResource[]): NotFoundError {
  const tables = state.filter((r) => r.type === DYNAMODB_TABLE_RESOURCE_TYPE).map((r) => r.address);
  return new NotFoundError(
    `${address} is not in the Terraform state of ${plan.chdir}, so there is nothing to re-point. ${tables.length === 0 ? "The state has no DynamoDB tables at all.\n" : `DynamoDB tables in that state:\n  ${tables.join("\n  ")}\n`}Check --module-address and --chdir. If an earlier run already removed it, re-run with --skip-state-rm to import only.`,
  );
}

/**
 * The root variable that carries the module's table_name_overrides, with our entries merged into its current value —
 * found by a read-only preflight plan. Undefined when the plan has no overrides to pass.
 */
async function overrideVariableFor(
  runner: TerraformRunner,
  plan: ImportPlan,
): Promise<PreparedImport["overrideVariable"]> {
  const ours = plan.tableNameOverrides;
  if (Object.keys(ours).length === 0) return undefined;
  if (plan.moduleAddress.includes("[")) {
    throw new UsageError(
      `--execute cannot pass ${TABLE_NAME_OVERRIDES_INPUT} to one instance of a module with count/for_each (${plan.moduleAddress}). Add the entry ${overrideEntries(ours).join(", ")} to that instance's configuration yourself, then re-run with --override-in-config.`,
    );
  }
  const pre = await preflightPlan(runner, plan.varArgs);
  const wiring = traceOverridesVariable(pre, plan.moduleAddress);
  if (!wiring.ok) {
    throw new PreconditionError(
      `--execute passes the ${TABLE_NAME_OVERRIDES_INPUT} entry to the plan through a root variable, but ${wiring.problem}. Nothing was changed. Either wire it (in the module block: ${TABLE_NAME_OVERRIDES_INPUT} = var.${TABLE_NAME_OVERRIDES_INPUT}, with variable "${TABLE_NAME_OVERRIDES_INPUT}" { type = map(string), default = {} } in the root module), or add ${overrideEntries(ours).join(", ")} to the module's ${TABLE_NAME_OVERRIDES_INPUT} yourself and re-run with --override-in-config.`,
    );
  }
  const existing = pre.variables?.[wiring.rootVariable]?.value;
  const base =
    existing !== null && typeof existing === "object" && !Array.isArray(existing)
      ? (existing as Record<string, string>)
      : {};
  return { name: wiring.rootVariable, value: { ...base, ...ours } };
}

/** The commands an execution would run, for --dry-run and for the confirmation question. */
export function describePrepared(p: PreparedImport): string[] {
  return [
    `${shJoin(p.runner.display(["state", "pull"]))} > ${p.backupDir}/<timestamped backup>.tfstate`,
    ...p.steps.map((s) => shJoin(s.argv)),
    shJoin(p.runner.display(p.planArgs)),
    shJoin(p.runner.display(["show", "-json", p.planFile])),
  ];
}

function undoText(p: PreparedImport, backup: StateBackup): string {
  return shJoin(p.runner.display(["state", "push", "-force", backup.path]));
}

function stop(p: PreparedImport, backup: StateBackup, changed: boolean, headline: string, details: string): never {
  throw new SafetyStopError(
    [
      `SAFETY STOP: ${headline}`,
      `Nothing was applied and no table was touched${changed ? ", but the Terraform state WAS changed (state rm / import)" : ""}.`,
      `  State before this command: ${backup.path}`,
      ...(changed ? [`  To undo the state change:  ${undoText(p, backup)}`] : []),
      details,
    ].join("\n"),
  );
}

/** Runs a prepared import. The caller has asked for confirmation. */
export async function executeImport(p: PreparedImport, now: Date): Promise<ImportExecution> {
  const backup = await backupState(p.runner, p.backupDir, now);
  const commandsRun = [`${shJoin(p.runner.display(["state", "pull"]))} > ${backup.path}`];
  const done = await runSteps(p, backup);
  commandsRun.push(...done);
  const changed = done.length > 0;
  const planExitCode = await runPlan(p, backup, changed);
  commandsRun.push(shJoin(p.runner.display(p.planArgs)));
  const analysis = checkPlan(p, backup, changed, await showPlan(p, backup, changed));
  return {
    stateBackup: backup.path,
    planFile: p.planFile,
    commandsRun,
    skipped: p.skipped,
    planExitCode,
    analysis,
    applyCommand: shJoin(p.runner.display(["apply", p.planFile])),
    undoCommand: undoText(p, backup),
    overrideVariable: p.overrideVariable,
  };
}

/** Runs the state rm / import steps in order; a failure stops the rest. Returns the commands run. */
async function runSteps(p: PreparedImport, backup: StateBackup): Promise<string[]> {
  const run: string[] = [];
  for (const step of p.steps) {
    // Never let terraform wait for input in the middle of a restore.
    const args = step.kind === "import" ? ["import", "-input=false", ...step.args.slice(1)] : step.args;
    try {
      await p.runner.run(args, { echoOutput: true });
    } catch (err) {
      if (err instanceof TerraformCommandError) {
        stop(
          p,
          backup,
          run.length > 0,
          `${shJoin(step.argv)} failed, so the remaining steps were not run.`,
          err.message,
        );
      }
      throw err;
    }
    run.push(shJoin(p.runner.display(args)));
  }
  return run;
}

/** The final `terraform plan`; its exit code (0 no changes, 2 changes). A refusal is a safety stop. */
async function runPlan(p: PreparedImport, backup: StateBackup, changed: boolean): Promise<number> {
  try {
    return (await p.runner.run(p.planArgs, { okCodes: [0, 2] })).code;
  } catch (err) {
    if (!(err instanceof TerraformCommandError)) throw err;
    const text = `${err.result.stderr}\n${err.result.stdout}`;
    if (!/prevent_destroy/.test(text)) {
      stop(p, backup, changed, "terraform plan failed after the state was changed.", err.message);
    }
    const entries = overrideEntries(p.plan.tableNameOverrides);
    stop(
      p,
      backup,
      changed,
      "terraform plan would destroy a DynamoDB table; lifecycle.prevent_destroy made it refuse.",
      [
        entries.length > 0
          ? `The configuration does not yet name the restored table: the module must receive ${TABLE_NAME_OVERRIDES_INPUT} with ${entries.join(", ")}.`
          : "The configuration asks for different tables than the ones imported; check prefix and table_name_overrides.",
        "terraform said:",
        tail(text, 25),
      ].join("\n"),
    );
  }
}

/** The checked plan as JSON (`terraform show -json`); a failure is a safety stop, since the state may have changed. */
async function showPlan(p: PreparedImport, backup: StateBackup, changed: boolean): Promise<PlanJson> {
  try {
    return JSON.parse((await p.runner.run(["show", "-json", p.planFile])).stdout) as PlanJson;
  } catch (err) {
    if (!(err instanceof TerraformCommandError)) throw err;
    stop(
      p,
      backup,
      changed,
      `terraform show could not read the plan ${p.planFile}, so it was not checked.`,
      err.message,
    );
  }
}

/** Stops unless the plan keeps every table and names each restored one as restored. */
function checkPlan(p: PreparedImport, backup: StateBackup, changed: boolean, planJson: PlanJson): PlanAnalysis {
  const entries = overrideEntries(p.plan.tableNameOverrides);
  const analysis = analyzePlan(planJson);
  if (analysis.destroyedOrReplaced.length > 0) {
    stop(
      p,
      backup,
      changed,
      `the plan would destroy or replace ${analysis.destroyedOrReplaced.length} DynamoDB table(s):`,
      [
        ...analysis.destroyedOrReplaced.flatMap(describeTableChange),
        `Do NOT apply ${p.planFile}.`,
        ...(entries.length > 0
          ? [`Check that the module receives ${TABLE_NAME_OVERRIDES_INPUT} with ${entries.join(", ")}.`]
          : []),
      ].join("\n"),
    );
  }
  for (const t of p.plan.targets) {
    const planned = plannedTableName(planJson, t.address);
    if (planned !== undefined && planned !== t.tableName) {
      stop(
        p,
        backup,
        changed,
        `the plan names ${t.address} "${planned}", not the restored "${t.tableName}".`,
        `Do NOT apply ${p.planFile}. Check the module's prefix and ${TABLE_NAME_OVERRIDES_INPUT}.`,
      );
    }
  }
  return analysis;
}

/** Human report of an execution. */
export function renderExecution(e: ImportExecution, entries: readonly string[]): string[] {
  const a = e.analysis;
  const lines = [
    `State saved to ${e.stateBackup} before any change.`,
    "Ran:",
    ...e.commandsRun.map((c) => `  $ ${c}`),
    ...(e.skipped.length > 0 ? ["Skipped:", ...e.skipped.map((s) => `  - ${s.address}: ${s.reason}`)] : []),
    "",
    `Plan checked: 0 DynamoDB tables to destroy or replace${e.planExitCode === 0 ? "; no changes at all" : ""}.`,
  ];
  if (a.updatedInPlace.length > 0) {
    lines.push("In-place changes to expect (settings a restore does not carry over):");
    for (const tc of a.updatedInPlace) lines.push(...describeTableChange(tc));
  }
  if (a.created.length > 0) {
    lines.push("Tables the apply will create (no backup was restored for them; they start empty):");
    for (const tc of a.created) lines.push(`  + ${tc.address}`);
  }
  if (a.otherChanges.length > 0) lines.push("Other changes in the plan:", ...a.otherChanges.map((c) => `  ~ ${c}`));
  lines.push("", "Next:");
  let n = 1;
  if (entries.length > 0) {
    lines.push(
      `  ${n++}. Make the override permanent in your configuration, merged with the entries you already have (a later`,
      "     plan without it would try to replace the table, which prevent_destroy refuses):",
      `       ${TABLE_NAME_OVERRIDES_INPUT} = { ${entries.join(", ")} }`,
      ...(e.overrideVariable === undefined
        ? []
        : [`     (this plan received var.${e.overrideVariable.name} = ${JSON.stringify(e.overrideVariable.value)})`]),
    );
  }
  lines.push(`  ${n++}. Apply exactly the plan that was checked:`, `       ${e.applyCommand}`);
  lines.push(`  To undo the state change instead: ${e.undoCommand}`);
  return lines;
}
