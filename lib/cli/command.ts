/**
 * The shape of a CLI command and the single entry that runs one: parse flags, call the command's exported
 * async function, print its result (human text or --json), and map a typed error to the exit code.
 *
 * Subsystem lib/cli — owns the CLI framework: commands, flags and help, progress lines, confirmation prompts, the one
 * map from error kinds to exit codes (./errors.ts), AWS failure messages (./aws-errors.ts) and the DR commands' shared
 * flags (./dr-options.ts). May import the domain libraries, lib/aws.ts and lib/errors.ts; never scripts/
 * (test/house/dependencies.test.ts holds the rules).
 */
import { parseArgs } from "node:util";
import { classifyAwsError } from "./aws-errors";
import { DrError, UsageError } from "../errors";
import { EXIT, exitCodeFor } from "./errors";
import { version as PACKAGE_VERSION } from "../../package.json";

/** The CLI's version (package.json's), printed by --version. */
export const CLI_VERSION: string = PACKAGE_VERSION;

export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly description: string;
  /** Placeholder in help, e.g. "<name>". @default "<value>" */
  readonly valueName?: string;
  readonly short?: string;
  /** @default false */
  readonly multiple?: boolean;
}

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export interface CommandContext extends CommandIO {
  readonly json: boolean;
}

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** AWS actions a command needs on one kind of resource. */
export interface PermissionGroup {
  /** IAM actions, e.g. "dynamodb:DescribeTable". */
  readonly actions: readonly string[];
  /** The resources they apply to, in words or as an ARN pattern. */
  readonly on: string;
  /** When they are needed. @default - always */
  readonly when?: string;
}

/** The AWS permissions a command needs, shown in its help. */
export interface CommandPermissions {
  readonly groups: readonly PermissionGroup[];
  /** A sentence after the list. @default - none */
  readonly note?: string;
}

export interface CommandSpec<R = unknown> {
  readonly name: string;
  /** Old names that still run the command, with a deprecation line on stderr (kept for one release). @default none */
  readonly deprecatedNames?: readonly string[];
  readonly summary: string;
  /** e.g. "--table <CatalogName> --restored-name <name> [--format sh|hcl] [--json]" */
  readonly usage: string;
  /** Longer help text (examples, notes). @default - none */
  readonly details?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Names of positional arguments, for help. @default - none accepted */
  readonly positionals?: readonly string[];
  /** The AWS permissions the command needs. @default - none listed */
  readonly permissions?: CommandPermissions;
  run(values: ParsedValues, positionals: string[], ctx: CommandContext): Promise<R>;
  /** Human-readable rendering of the result. */
  render(result: R): string;
}

const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  help: { type: "boolean", short: "h", description: "Show this help and exit." },
  version: { type: "boolean", description: "Print the version and exit." },
  json: { type: "boolean", description: "Print the result (or the error) as JSON on stdout, for machines." },
};

export function helpText(cmd: CommandSpec, prog: string): string {
  const opts = { ...cmd.options, ...COMMON_OPTIONS };
  const rows = Object.entries(opts).map(([name, o]) => {
    const flag = `${o.short === undefined ? "    " : `-${o.short}, `}--${name}${o.type === "string" ? ` ${o.valueName ?? "<value>"}` : ""}`;
    return `  ${flag.padEnd(34)} ${o.description}`;
  });
  return [
    `${prog} ${cmd.name} — ${cmd.summary}`,
    "",
    `Usage: ${prog} ${cmd.name} ${cmd.usage}`,
    "",
    "Options:",
    ...rows,
    ...(cmd.details === undefined ? [] : ["", cmd.details]),
    ...(cmd.permissions === undefined ? [] : ["", ...permissionLines(cmd.permissions)]),
    "",
  ].join("\n");
}

/** The "AWS permissions" part of a command's help. */
export function permissionLines(p: CommandPermissions): string[] {
  return [
    "AWS permissions:",
    ...p.groups.map(
      (g) => `  ${g.actions.join(", ")}\n      on ${g.on}${g.when === undefined ? "" : `, when ${g.when}`}`,
    ),
    ...(p.note === undefined ? [] : [`  ${p.note}`]),
  ];
}

export function parseCommandArgs(cmd: CommandSpec, argv: string[]): { values: ParsedValues; positionals: string[] } {
  const opts = { ...cmd.options, ...COMMON_OPTIONS };
  const config = Object.fromEntries(
    Object.entries(opts).map(([name, o]) => [
      name,
      {
        type: o.type,
        ...(o.short === undefined ? {} : { short: o.short }),
        ...(o.multiple === true ? { multiple: true } : {}),
      },
    ]),
  );
  try {
    const parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
    const maxPositionals = cmd.positionals?.length ?? 0;
    if (parsed.positionals.length > maxPositionals && parsed.values.help !== true) {
      throw new UsageError(
        `unexpected argument "${parsed.positionals[maxPositionals]}"; ${cmd.name} takes ${maxPositionals === 0 ? "no positional arguments" : `only ${cmd.positionals?.join(" ")}`}. See --help.`,
      );
    }
    return { values: parsed.values as ParsedValues, positionals: parsed.positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${(err as Error).message}. See "${cmd.name} --help".`);
  }
}

/** Runs one command with its argv (after the command name). Returns the exit code; never throws. */
export async function runCommand(cmd: CommandSpec, argv: string[], io: CommandIO, prog: string): Promise<number> {
  const args = replaceDeprecatedFormatJson(cmd, argv, io.stderr);
  const wantsJson = args.includes("--json");
  try {
    const { values, positionals } = parseCommandArgs(cmd, args);
    if (values.help === true) {
      io.stdout.write(helpText(cmd, prog));
      return EXIT.ok;
    }
    if (values.version === true) {
      io.stdout.write(`${CLI_VERSION}\n`);
      return EXIT.ok;
    }
    const ctx: CommandContext = { ...io, json: values.json === true };
    const result = await cmd.run(values, positionals, ctx);
    io.stdout.write(ctx.json ? `${JSON.stringify(result, null, 2)}\n` : ensureNewline(cmd.render(result)));
    return EXIT.ok;
  } catch (err) {
    return reportError(err, wantsJson, io);
  }
}

/**
 * `--format json` (and `--format=json`) is the old spelling of `--json`: still accepted for one release, with one
 * deprecation line on stderr. Only for commands that have a --format option.
 */
export function replaceDeprecatedFormatJson(cmd: CommandSpec, argv: string[], stderr: NodeJS.WritableStream): string[] {
  if (cmd.options.format === undefined) return argv;
  const out: string[] = [];
  let replaced = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg === "--format=json" || (arg === "--format" && argv[i + 1] === "json")) {
      if (arg === "--format") i++;
      if (!out.includes("--json")) out.push("--json");
      replaced = true;
    } else {
      out.push(arg);
    }
  }
  if (replaced) {
    stderr.write(`warning: --format json is deprecated and will be removed in the next release; use --json\n`);
  }
  return out;
}

export function reportError(thrown: unknown, json: boolean, io: Pick<CommandIO, "stdout" | "stderr">): number {
  const err = classifyAwsError(thrown) ?? thrown;
  const known = err instanceof DrError;
  const exitCode = exitCodeFor(err);
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ error: { kind: known ? err.kind : "unexpected", message, exitCode } }, null, 2)}\n`,
    );
  }
  io.stderr.write(`error: ${message}\n`);
  if (!known && err instanceof Error && err.stack !== undefined) io.stderr.write(`${err.stack}\n`);
  return exitCode;
}

function ensureNewline(s: string): string {
  return s.endsWith("\n") ? s : `${s}\n`;
}

/** The top-level help: every command with its summary, and the deprecated names. */
export function programHelp(prog: string, commands: readonly CommandSpec[]): string {
  const list = commands.map((c) => `  ${c.name.padEnd(24)} ${c.summary}`).join("\n");
  const renamed = commands.flatMap((c) => (c.deprecatedNames ?? []).map((old) => `${old} → ${c.name}`));
  return [
    `Usage: ${prog} <command> [options]`,
    "",
    "Commands:",
    list,
    "",
    `Run "${prog} help <command>" (or "${prog} <command> --help") for a command's options; "${prog} --version" for the version.`,
    ...(renamed.length === 0 ? [] : [`Old names (deprecated, removed in the next release): ${renamed.join(", ")}.`]),
    "",
  ].join("\n");
}

/** Finds a command by name or deprecated name; a deprecated name prints one deprecation line on stderr. */
function findCommand(
  commands: readonly CommandSpec[],
  name: string,
  stderr: NodeJS.WritableStream,
): CommandSpec | undefined {
  const cmd = commands.find((c) => c.name === name);
  if (cmd !== undefined) return cmd;
  const renamed = commands.find((c) => c.deprecatedNames?.includes(name) === true);
  if (renamed !== undefined) {
    stderr.write(
      `warning: "${name}" is deprecated and will be removed in the next release; use "${renamed.name}" (same options)\n`,
    );
  }
  return renamed;
}

function unknownCommand(name: string, commands: readonly CommandSpec[]): UsageError {
  return new UsageError(`unknown command "${name}"; known commands: ${commands.map((c) => c.name).join(", ")}`);
}

/** Runs a multi-command program: `prog <command> [flags]`, `prog help [<command>]`, `prog --version`. */
export async function runProgram(
  prog: string,
  commands: readonly CommandSpec[],
  argv: string[],
  io: CommandIO,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    io.stdout.write(`${CLI_VERSION}\n`);
    return EXIT.ok;
  }
  if (name === "help" && rest[0] !== undefined) {
    const cmd = findCommand(commands, rest[0], io.stderr);
    if (cmd === undefined) return reportError(unknownCommand(rest[0], commands), rest.includes("--json"), io);
    io.stdout.write(helpText(cmd, prog));
    return EXIT.ok;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(programHelp(prog, commands));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const cmd = findCommand(commands, name, io.stderr);
  if (cmd === undefined) return reportError(unknownCommand(name, commands), rest.includes("--json"), io);
  return runCommand(cmd, rest, io, prog);
}

/** Process I/O for the real entry points. */
export function processIO(): CommandIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** Reads a required string flag or throws a UsageError naming it. */
export function requireString(values: ParsedValues, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required. See --help.`);
  return v;
}

export function optionalString(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

/** Parses a positive integer flag within [min, max], or returns the default. */
export function intFlag(values: ParsedValues, name: string, def: number, min: number, max: number): number {
  const v = values[name];
  if (v === undefined) return def;
  const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name}: "${String(v)}" is not allowed; use a whole number from ${min} to ${max}`);
  }
  return n;
}

/** Checks that a flag value is one of the allowed choices. */
export function choiceFlag<T extends string>(values: ParsedValues, name: string, choices: readonly T[], def: T): T {
  const v = values[name];
  if (v === undefined) return def;
  if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
    throw new UsageError(`--${name}: "${String(v)}" is not allowed; use one of ${choices.join(", ")}`);
  }
  return v as T;
}
