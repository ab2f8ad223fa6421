/**
 * POSIX shell quoting for the commands the DR tools print, so that they paste safely into bash or sh:
 * module addresses with brackets and quotes (`module.dp["prod"]`), paths with spaces, JSON values.
 */

/** Characters that never need quoting in any POSIX shell word (no globbing, expansion or word splitting). */
const SAFE_WORD = /^[A-Za-z0-9_/.:=@%+,-]+$/;

/**
 * One shell word. Safe words are left as they are (so the common case reads like the docs); anything else is
 * wrapped in single quotes, inside which only `'` itself needs care: `'` becomes `'\''`.
 */
export function shQuote(word: string): string {
  if (word.includes("\0")) throw new Error("a shell word cannot contain a NUL character");
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A whole command line from argv. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(" ");
}
