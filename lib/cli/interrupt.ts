/**
 * Ctrl-C during long work: say how to continue (the exact command), then exit 130 (128 + SIGINT) as a shell would.
 */

/** The exit code of a command stopped by Ctrl-C (SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** Runs `fn`; a SIGINT meanwhile prints `note` on `stderr` and exits EXIT_INTERRUPTED. */
export async function withInterruptNote<T>(
  stderr: NodeJS.WritableStream,
  note: () => string,
  fn: () => Promise<T>,
): Promise<T> {
  const onSigint = (): void => {
    stderr.write(`\ninterrupted: ${note()}\n`);
    process.exit(EXIT_INTERRUPTED);
  };
  process.once("SIGINT", onSigint);
  try {
    return await fn();
  } finally {
    process.removeListener("SIGINT", onSigint);
  }
}
