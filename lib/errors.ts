/**
 * The one error model of the domain code (catalog, deploy config, export format, table I/O, DR, pipeline).
 * Domain code throws a `DrError` subclass; its `kind` says what went wrong. Exactly one place, lib/cli/errors.ts
 * (`exitCodeFor`), turns a kind into an exit code; the Lambdas map kinds to their own results.
 * Every message names the input (or file, table, key), the value and what is allowed or what to do.
 * Imports nothing: any layer may throw these.
 */
export type ErrorKind =
  /** Bad flags, arguments, configuration or catalog: the message names the input, the value and what is allowed. */
  | "usage"
  /** The world is not in a state the command can act on (PITR off, time outside window, target exists, …). */
  | "precondition"
  /** Something the command needs does not exist (table, backup, bucket, state address, file). */
  | "not-found"
  /** A required program (terraform, …) is not installed. */
  | "tool-missing"
  /** Data failed verification (checksum, count, missing items, undecodable line). */
  | "verification"
  /** A safety check stopped the command part-way on purpose (e.g. a plan would destroy a table). */
  | "safety-stop"
  /** AWS refused a call or could not be reached. */
  | "aws"
  /** The user declined a confirmation, or no confirmation was possible without --yes, or Ctrl-C. */
  | "aborted";

/**
 * The base of every domain error. `name` is the class's own name; a class that can reach a minified Lambda bundle sets
 * it again in its constructor (minification renames classes), as ExportFormatError does.
 */
export abstract class DrError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends DrError {
  readonly kind = "usage";
}
export class PreconditionError extends DrError {
  readonly kind = "precondition";
}
export class NotFoundError extends DrError {
  readonly kind = "not-found";
}
export class ToolMissingError extends DrError {
  readonly kind = "tool-missing";
}
export class VerificationError extends DrError {
  readonly kind = "verification";
}
export class SafetyStopError extends DrError {
  readonly kind = "safety-stop";
}
export class AwsError extends DrError {
  readonly kind = "aws";
}
export class AbortedError extends DrError {
  readonly kind = "aborted";
}
