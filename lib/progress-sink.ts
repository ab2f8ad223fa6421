/**
 * What domain code reports long work to. The CLI passes its progress line (lib/cli/progress.ts); tests and Lambdas
 * pass nothing. Imports nothing: domain code depends on this shape, never on the CLI.
 */
export interface ProgressSink {
  /** `n` more units done (0: still working, redraw). */
  add(n: number): void;
}
