/**
 * What a SQL engine must provide for the rebuild (lib/history/definition.ts) and the history queries
 * (lib/history/queries.ts): reading gzip JSON-lines files, extracting JSON, padding, literals. Everything
 * engine-specific lives behind this interface; the definition never writes engine syntax itself. DuckDB's renderer
 * is lib/history/duckdb-dialect.ts; an Athena (Trino) renderer implements the same interface.
 */
/** A value taken from each line's JSON: its column name, its path (object keys), JSON text or a string. */
export interface JsonField {
  readonly name: string;
  readonly path: readonly string[];
  readonly as: "json" | "string";
}

export interface SqlDialect {
  readonly name: string;
  /** A string literal. */
  str(value: string): string;
  /**
   * A relation of the lines of gzip JSON-lines files with columns `line` (the line's text, byte for byte) and `file`
   * (which file it came from: Athena gives its name as `files` names it, DuckDB a number its engine maps back to the
   * file). `source` names the group of files (Athena reads a table instead).
   */
  readLines(source: "base" | "incremental" | "capture", files: readonly string[]): string;
  /**
   * Optional: `file` plus one column per field (as {@link SqlDialect.withFields} gives them) for each record of the
   * files, read by the engine's own JSON-lines reader, for groups whose raw line is not needed. An engine without it
   * gets `withFields(readLines(…))`.
   */
  readFields?(source: "incremental" | "capture", files: readonly string[], fields: readonly JsonField[]): string;
  /**
   * `relation` (with `file` and `line`) plus one column per field, each line parsed once (fields absent are NULL; "json"
   * fields are JSON text, printed the way JSON.stringify prints).
   */
  withFields(relation: string, fields: readonly JsonField[]): string;
  /** The JSON text of the value at `path` (object keys, in order) in the JSON text `expr`, or NULL when absent. */
  json(expr: string, path: readonly string[]): string;
  /** The string (or number, as text) at `path` in the JSON text `expr`, or NULL when absent. */
  jsonString(expr: string, path: readonly string[]): string;
  /** The item image of an export line `{"Item":<image>}`, byte for byte as stored. */
  itemImage(lineExpr: string): string;
  /**
   * Optional: an export line's output line, `{"Item":<its image>}` — the line itself when it has exactly that form
   * (no copy is made), rebuilt from its Item otherwise. Without it the definition concatenates around
   * {@link SqlDialect.itemImage}.
   */
  itemLineOf?(lineExpr: string): string;
  /** A digit string left-padded with zeros to `width` characters. */
  padDigits(expr: string, width: number): string;
  /** Epoch microseconds (a 64-bit integer) from epoch seconds given as JSON number text (fractions kept). */
  microsFromSeconds(expr: string): string;
  /** A 64-bit integer from a digit string. */
  bigint(expr: string): string;
  /** String concatenation. */
  concat(...exprs: string[]): string;
  /** A character that never occurs unescaped in JSON text (separates key attributes in key strings). */
  readonly keySeparator: string;
}
