/**
 * rehearse: the whole disaster-recovery story, run. --target local (the default) needs only this project, terraform and
 * moto_server: it applies the module to a local moto on loopback, writes data, breaks it, and restores it with the
 * project's own commands exactly as a user would, then checks the data and `terraform plan`, and tears everything down.
 * --target aws: the guards (a dedicated rehearsal- prefix, nothing with it in the account, cost first, confirmation),
 * then the table and deployment scenarios in the account, and every <prefix>-* table deleted at the end.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { dynamoClient, s3Client } from "../../lib/aws";
import {
  runProgram,
  choiceFlag,
  optionalString,
  type CommandContext,
  type CommandSpec,
  type ParsedValues,
} from "../../lib/cli/command";
import { UsageError, VerificationError } from "../../lib/errors";
import { EXIT_INTERRUPTED } from "../../lib/cli/interrupt";
import { confirm } from "../../lib/cli/prompt";
import { projectCatalog } from "../../lib/cli/dr-options";
import { checkAwsPrefix, checkNothingWithPrefix, costLine } from "../../lib/rehearse/aws-guards";
import { renderReport, type RehearsalReport } from "../../lib/rehearse/report";
import { rehearseInAccount } from "../../lib/rehearse/account";
import { rehearseLocal, SCENARIOS, type Scenario } from "../../lib/rehearse/run";
import type { DrCall } from "../../lib/rehearse/scenarios";
import { checkWritableFile, withFileErrors } from "../../lib/writable";

export const SCENARIO_CHOICES = [...SCENARIOS, "all"] as const;
export const TARGETS = ["local", "aws"] as const;
export type Target = (typeof TARGETS)[number];

export interface RehearseOptions {
  /** @default "all" */
  readonly scenario?: (typeof SCENARIO_CHOICES)[number];
  /** @default "local" */
  readonly target?: Target;
  /** Also write the report here (markdown, or JSON with `json`). @default - printed only */
  readonly report?: string;
  /** Replace an existing --report. @default false */
  readonly force?: boolean;
  /** --target aws: the dedicated prefix (rehearsal-…). */
  readonly prefix?: string;
  /** @default false */
  readonly yes?: boolean;
  /** Write the report file as JSON. @default false */
  readonly json?: boolean;
}

class Collect extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString("utf8");
    done();
  }
}

/** Runs one dynamo-dr command line in this process with --json, as a user would from a shell. */
async function runDr(
  commands: readonly CommandSpec<never>[],
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<DrCall> {
  const stdout = new Collect();
  const stderr = new Collect();
  const stdin = Object.assign(Readable.from([]), { isTTY: false });
  const code = await runProgram("dynamo-dr", commands, [...argv, "--json"], { stdout, stderr, stdin, env, cwd });
  if (code !== 0) {
    const err = /^error: ([\s\S]*)$/m.exec(stderr.text)?.[1] ?? stderr.text.slice(-3000);
    throw new Error(`exit ${code}: ${err.trim()}`);
  }
  return { code, json: JSON.parse(stdout.text) as Record<string, unknown> };
}

function scenarioList(s: RehearseOptions["scenario"]): Scenario[] {
  return s === undefined || s === "all" ? [...SCENARIOS] : [s];
}

async function checkReport(path: string | undefined, force: boolean): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const abs = await checkWritableFile("--report", path);
  if (existsSync(abs) && !force) {
    throw new UsageError(`--report: ${abs} already exists; add --force to replace it, or choose another path`);
  }
  return abs;
}

async function writeReport(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  await withFileErrors("--report", path, async () => {
    try {
      await writeFile(tmp, text, { flag: "wx" });
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  });
}

/** --target aws: every guard before anything is created, then the scenarios in the account, torn down at the end. */
async function rehearseAws(
  opts: RehearseOptions,
  ctx: Pick<CommandContext, "env" | "stderr" | "stdin" | "cwd">,
  commands: readonly CommandSpec<never>[],
): Promise<RehearsalReport> {
  const catalog = projectCatalog(ctx.env);
  ctx.stderr.write(`${costLine(catalog)}\n`);
  const prefix = checkAwsPrefix(opts.prefix, catalog);
  await checkNothingWithPrefix(dynamoClient(), s3Client(), prefix);
  await confirm(
    `Rehearse in the AWS account of your current credentials with tables and buckets named ${prefix}-*? Proceed?`,
    {
      yes: opts.yes === true,
      input: ctx.stdin,
      output: ctx.stderr,
    },
  );
  return rehearseInAccount({
    scenarios: scenarioList(opts.scenario),
    catalog,
    prefix,
    env: ctx.env,
    progress: ctx.stderr,
    dr: (argv, env) => runDr(commands, argv, env, ctx.cwd),
    onInterrupted: () => process.exit(EXIT_INTERRUPTED),
  });
}

/** The report: written to --report, and a failure turned into the command's error (exit 6). */
async function finish(
  report: RehearsalReport,
  opts: RehearseOptions,
  reportPath: string | undefined,
  ctx: Pick<CommandContext, "stderr">,
) {
  const text = opts.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report);
  if (reportPath !== undefined) await writeReport(reportPath, text);
  if (!report.passed) {
    ctx.stderr.write(`\n${renderReport(report)}\n`);
    const failed = [...report.setup, ...report.scenarios.flatMap((s) => s.steps), ...report.teardown].filter(
      (s) => s.status === "fail",
    );
    throw new VerificationError(
      `the rehearsal FAILED at: ${failed.map((s) => s.name).join("; ")}. The report above says what to fix${reportPath === undefined ? "" : ` (also in ${reportPath})`}.`,
    );
  }
  return report;
}

export async function rehearse(
  opts: RehearseOptions,
  ctx: Pick<CommandContext, "env" | "stderr" | "stdin" | "cwd">,
  commands: readonly CommandSpec<never>[],
): Promise<RehearsalReport> {
  const reportPath = await checkReport(opts.report, opts.force === true);
  if ((opts.target ?? "local") === "aws") return finish(await rehearseAws(opts, ctx, commands), opts, reportPath, ctx);
  if (opts.prefix !== undefined)
    throw new UsageError("--prefix applies to --target aws only; --target local uses its own prefix (rehearsal)");
  const report = await rehearseLocal({
    scenarios: scenarioList(opts.scenario),
    catalog: projectCatalog(ctx.env),
    env: ctx.env,
    progress: ctx.stderr,
    dr: (argv, env) => runDr(commands, argv, env, ctx.cwd),
    onInterrupted: () => process.exit(EXIT_INTERRUPTED),
  });
  return finish(report, opts, reportPath, ctx);
}

export function rehearseOptionsFromFlags(values: ParsedValues): RehearseOptions {
  return {
    scenario: choiceFlag(values, "scenario", SCENARIO_CHOICES, "all"),
    target: choiceFlag(values, "target", TARGETS, "local"),
    report: optionalString(values, "report"),
    force: values.force === true,
    prefix: optionalString(values, "prefix"),
    yes: values.yes === true,
    json: values.json === true,
  };
}

/** The rehearse command; `commands` returns the CLI's command list (rehearse runs them). */
export const rehearseCommand = (commands: () => readonly CommandSpec<never>[]): CommandSpec<RehearsalReport> => ({
  name: "rehearse",
  summary: "Rehearse the disaster-recovery scenarios end to end (locally on moto by default) and report RTOs.",
  usage:
    "[--scenario table|deployment|history|all] [--target local|aws] [--report <file> [--force]] [--prefix rehearsal-<name>] [--yes] [--json]",
  details: [
    "--target local (default) needs terraform and moto_server, no AWS account: it starts moto on a free loopback port",
    "(behind a small loopback proxy for the calls moto lacks), synthesizes and applies the module once in a scratch",
    "folder (change capture on for the history scenario's table), writes Cumulus-shaped items into every table, then:",
    "  table       one table corrupted (bad writes, deletes) after a `snapshot` checkpoint; `recover --source backup",
    "              --execute` restores the checkpoint into a new table and imports it;",
    "  deployment  every table deleted, restore-backups --execute, apply;",
    "  history     a base export, changes, a checkpoint, bad changes; the stream delivered to the capture handler in",
    "              process (moto never invokes Lambda), the hours sealed, PITR's window simulated to start after the",
    "              checkpoint; recover --source history --bucket <backup bucket> --execute rebuilds and imports it;",
    'and checks that the data equals the checkpoint and that `terraform plan` says "No changes". Everything is torn',
    "down at the end, also on failure and on Ctrl-C. The report lists every step, its time, the RTO of each scenario",
    "and what to fix when a step fails.",
    "--target aws: prints the estimated cost, then refuses unless --prefix starts with rehearsal- and no table or bucket",
    "with that prefix exists; asks for confirmation (or --yes); then runs the scenarios in the account of the SDK's default",
    "chain (history: the export pipeline and change capture deployed too; the real event source mapping delivers the",
    "stream, which the rehearsal waits for; the hours are not sealed yet and recover checks them as the seal would).",
    "At the end it deletes every <prefix>-* table and its backups, empties the backup bucket and runs terraform destroy.",
    "",
    "Exit codes: 0 passed, 2 bad flags, 3 precondition, 5 terraform or moto_server missing, 6 the rehearsal failed,",
    "10 not confirmed.",
  ].join("\n"),
  options: {
    scenario: { type: "string", valueName: "<name>", description: "table, deployment, history or all (default all)." },
    target: { type: "string", valueName: "local|aws", description: "local (default: moto on loopback) or aws." },
    report: {
      type: "string",
      valueName: "<file>",
      description: "Also write the report to this file (markdown; JSON with --json).",
    },
    force: { type: "boolean", description: "With --report: replace an existing file." },
    prefix: {
      type: "string",
      valueName: "<prefix>",
      description: "--target aws: a dedicated prefix starting with rehearsal-.",
    },
    yes: { type: "boolean", short: "y", description: "Do not ask for confirmation (--target aws)." },
  },
  async run(values, _positionals, ctx: CommandContext) {
    return rehearse(rehearseOptionsFromFlags(values), ctx, commands());
  },
  render: renderReport,
});
