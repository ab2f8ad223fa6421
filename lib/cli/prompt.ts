import { createInterface } from "node:readline/promises";
import { AbortedError } from "../errors";

export interface ConfirmOptions {
  /** --yes was given. */
  readonly yes: boolean;
  /** @default process.stdin */
  readonly input?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** @default process.stderr */
  readonly output?: NodeJS.WritableStream;
}

/**
 * Asks before anything destructive. With --yes it returns at once; without a terminal and without --yes it
 * refuses rather than guessing. Only "y" or "yes" proceed.
 */
export async function confirm(question: string, opts: ConfirmOptions): Promise<void> {
  if (opts.yes) return;
  const input = opts.input ?? process.stdin;
  if (input.isTTY !== true) {
    throw new AbortedError(`${question}\nNo terminal to ask for confirmation: re-run with --yes to proceed.`);
  }
  const rl = createInterface({ input, output: opts.output ?? process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes") throw new AbortedError("Aborted: nothing was changed by this step.");
  } finally {
    rl.close();
  }
}
