/**
 * Typed errors for the commands. The single entry (lib/cli/run.ts) maps each to its exit code;
 * the message is what the user reads: it names the input, the value and what is allowed or what to do.
 */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  precondition: 3,
  notFound: 4,
  toolMissing: 5,
  verification: 6,
  safetyStop: 7,
  aws: 8,
  aborted: 10,
} as const;

export abstract class CliError extends Error {
  abstract readonly exitCode: number;
  /** Short machine-readable kind, printed in --json error output. */
  abstract readonly kind: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments: the message names the flag, the value and what is allowed. */
export class UsageError extends CliError {
  readonly exitCode = EXIT.usage;
  readonly kind = "usage";
}

/** The world is not in a state the command can act on (PITR off, time outside window, target exists, …). */
export class PreconditionError extends CliError {
  readonly exitCode = EXIT.precondition;
  readonly kind = "precondition";
}

/** Something the command needs does not exist (table, backup, state address). */
export class NotFoundError extends CliError {
  readonly exitCode = EXIT.notFound;
  readonly kind = "not-found";
}

/** A required program (terraform, …) is not installed. */
export class ToolMissingError extends CliError {
  readonly exitCode = EXIT.toolMissing;
  readonly kind = "tool-missing";
}

/** Data failed verification (checksum, count, missing items). */
export class VerificationError extends CliError {
  readonly exitCode = EXIT.verification;
  readonly kind = "verification";
}

/** A safety check stopped the command part-way on purpose (e.g. a plan would destroy a table). */
export class SafetyStopError extends CliError {
  readonly exitCode = EXIT.safetyStop;
  readonly kind = "safety-stop";
}

/** The user declined a confirmation, or no confirmation was possible without --yes. */
export class AbortedError extends CliError {
  readonly exitCode = EXIT.aborted;
  readonly kind = "aborted";
}
