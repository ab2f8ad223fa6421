/**
 * The rebuild's SQL in DuckDB's dialect: files whose raw lines are needed (the base: its items are carried byte for
 * byte) are read by read_csv as one VARCHAR column per line (the delimiter is a control character, which JSON never
 * leaves unescaped, so a line is never split) and parsed by json_transform; incremental and capture records, whose
 * fields are all the rebuild needs, by read_json straight into columns (a fifth less work); JSON by json_extract with
 * JSON pointers. DuckDB prints extracted JSON exactly as JSON.stringify does (the tests check it byte for byte).
 * A record's `file` is a number, {@link fileNumber}: the group's code and the file's place in the list given (DuckDB's
 * file_index), so staged records carry 8 bytes instead of the file's path.
 */
import type { JsonField, SqlDialect } from "./dialect";

/** Longest line accepted: two 400 KB items (NewImage and OldImage) with base64 and escaping to spare. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

/** Codes of the groups of files in {@link fileNumber}. */
const GROUP_CODE = { base: 0, incremental: 1, capture: 2 } as const;
const GROUP_SPAN = 2 ** 32;

/** The `file` value of the records of `files[index]` of a group. */
export function fileNumber(source: keyof typeof GROUP_CODE, index: number): number {
  return GROUP_CODE[source] * GROUP_SPAN + index;
}

/** SQL for {@link fileNumber} of each record (file_index: the file's place in the list DuckDB was given). */
function fileNumberSql(source: keyof typeof GROUP_CODE): string {
  return `(CAST(${GROUP_CODE[source]} AS BIGINT) * ${GROUP_SPAN} + file_index)`;
}

function pointer(path: readonly string[]): string {
  return `/${path.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
}

function str(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** json_transform's structure for the fields: one parse of the line gives them all. */
function shapeOf(fields: readonly JsonField[]): Record<string, unknown> {
  const shape: Record<string, unknown> = {};
  for (const f of fields) {
    let node = shape;
    f.path.slice(0, -1).forEach((p) => {
      node = (node[p] ??= {}) as Record<string, unknown>;
    });
    node[f.path[f.path.length - 1]!] = f.as === "json" ? "JSON" : "VARCHAR";
  }
  return shape;
}

/** read_json's column types for the fields' shape (nested objects as STRUCTs). */
function columnType(node: unknown): string {
  if (typeof node === "string") return node;
  const members = Object.entries(node as Record<string, unknown>).map(([k, v]) => `${ident(k)} ${columnType(v)}`);
  return `STRUCT(${members.join(", ")})`;
}

export const duckdbDialect: SqlDialect = {
  name: "duckdb",
  str,
  readLines(source, files) {
    const list = `[${files.map(str).join(", ")}]`;
    return `(SELECT line, ${fileNumberSql(source)} AS file FROM read_csv(${list}, columns = {'line': 'VARCHAR'}, delim = chr(1),
      quote = '', escape = '', header = false, auto_detect = false, compression = 'gzip', new_line = '\\n',
      max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${2 * MAX_LINE_BYTES}, strict_mode = true, null_padding = false,
      nullstr = chr(2), parallel = true)) AS lines(line, file)`;
  },
  readFields(source, files, fields) {
    const list = `[${files.map(str).join(", ")}]`;
    const columns = Object.entries(shapeOf(fields)).map(([k, v]) => `${str(k)}: ${str(columnType(v))}`);
    const cols = fields.map((f) => `CAST(${f.path.map(ident).join(".")} AS VARCHAR) AS ${ident(f.name)}`);
    return `(SELECT ${fileNumberSql(source)} AS file, ${cols.join(", ")}
      FROM read_json(${list}, columns = {${columns.join(", ")}}, format = 'newline_delimited', compression = 'gzip',
        auto_detect = false, maximum_object_size = ${MAX_LINE_BYTES})) AS fields`;
  },
  withFields(relation, fields) {
    const cols = fields.map((f) => `CAST(s.${f.path.map(ident).join(".")} AS VARCHAR) AS ${ident(f.name)}`);
    return `(SELECT file, line, ${cols.join(", ")}
      FROM (SELECT file, line, json_transform(line, ${str(JSON.stringify(shapeOf(fields)))}) AS s FROM ${relation}) AS parsed) AS fields`;
  },
  json(expr, path) {
    return `CAST(json_extract(${expr}, ${str(pointer(path))}) AS VARCHAR)`;
  },
  jsonString(expr, path) {
    return `json_extract_string(${expr}, ${str(pointer(path))})`;
  },
  itemImage(lineExpr) {
    return `CASE WHEN starts_with(${lineExpr}, '{"Item":') AND ends_with(${lineExpr}, '}')
      THEN substr(${lineExpr}, 9, length(${lineExpr}) - 9)
      ELSE CAST(json_extract(${lineExpr}, '/Item') AS VARCHAR) END`;
  },
  itemLineOf(lineExpr) {
    return `CASE WHEN starts_with(${lineExpr}, '{"Item":') AND ends_with(${lineExpr}, '}') THEN ${lineExpr}
      ELSE '{"Item":' || CAST(json_extract(${lineExpr}, '/Item') AS VARCHAR) || '}' END`;
  },
  padDigits(expr, width) {
    return `lpad(${expr}, ${width}, '0')`;
  },
  microsFromSeconds(expr) {
    // DOUBLE holds epoch µs exactly (< 2^53); a DECIMAL cast here is ten times slower than the rest of the staging.
    return `CAST(round(CAST(${expr} AS DOUBLE) * 1000000) AS BIGINT)`;
  },
  bigint(expr) {
    return `CAST(${expr} AS BIGINT)`;
  },
  concat(...exprs) {
    return `(${exprs.join(" || ")})`;
  },
  keySeparator: "chr(31)",
};
