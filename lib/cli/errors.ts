import type { ErrorKind } from "../errors";
import { DrError } from "../errors";

/**
 * Exit codes: the one place that maps an error kind (lib/errors.ts) to the process exit code.
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

/** The one mapping from an error kind to the process exit code (the README's exit-code table). */
export const EXIT_CODE_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  usage: EXIT.usage,
  precondition: EXIT.precondition,
  "not-found": EXIT.notFound,
  "tool-missing": EXIT.toolMissing,
  verification: EXIT.verification,
  "safety-stop": EXIT.safetyStop,
  aws: EXIT.aws,
  aborted: EXIT.aborted,
};

/** The exit code for anything a command threw: its kind's code, or 1 (unexpected) for a bug. */
export function exitCodeFor(err: unknown): number {
  return err instanceof DrError ? EXIT_CODE_BY_KIND[err.kind] : EXIT.unexpected;
}
