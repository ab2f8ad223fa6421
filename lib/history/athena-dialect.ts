/**
 * The rebuild's SQL in Athena's (Trino's) dialect: the renderer beside lib/history/duckdb-dialect.ts for the one
 * definition (lib/history/definition.ts). Files are read from the module's line tables (`export_lines`,
 * `change_lines`: one string column per stored line, lib/pipeline/athena-tables.ts), restricted to exactly the checked
 * files by `"$path"` and to their partitions (so Athena lists and reads nothing else); JSON by json_extract with
 * bracketed JSON paths.
 *
 * Not run here (no Athena offline): the tests parse every statement it renders as Trino SQL.
 */
import { AWS_EXPORT_DIR } from "../export-format/constants";
import { UsageError } from "../errors";
import { EXPORTS_PREFIX } from "../pipeline/config";
import { CHANGES_PREFIX, HISTORY_TABLES } from "../pipeline/athena-tables";
import type { SqlDialect } from "./dialect";

export interface AthenaDialectOptions {
  /** The Glue database of the history tables (the module's `history_queries.database_name`). */
  readonly database: string;
  /** The backup bucket the files are in. */
  readonly bucket: string;
}

function str(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `$["a"]["b"]`: a JSON path Trino reads for any attribute name without `"` or `\`. */
export function jsonPath(path: readonly string[]): string {
  for (const p of path) {
    if (/["\\]/.test(p)) {
      throw new UsageError(
        `--engine athena: attribute name ${JSON.stringify(p)} contains " or \\, which Athena's JSON paths cannot name; use --engine duckdb`,
      );
    }
  }
  return `$${path.map((p) => `["${p}"]`).join("")}`;
}

const EXPORT_FILE = new RegExp(`^s3://([^/]+)/${EXPORTS_PREFIX}/([^/]+)/${AWS_EXPORT_DIR}/([^/]+)/data/[^/]+$`);
const CHANGE_FILE = new RegExp(`^s3://([^/]+)/${CHANGES_PREFIX}/([^/]+)/(\\d{4}/\\d{2}/\\d{2}/\\d{2})/.+$`);

/** The partitions (table_name and export_id or hour) of the files, each checked to be in the bucket's layout. */
function partitions(
  source: "base" | "incremental" | "capture",
  files: readonly string[],
  bucket: string,
): { tables: Set<string>; parts: Set<string> } {
  const re = source === "capture" ? CHANGE_FILE : EXPORT_FILE;
  const tables = new Set<string>();
  const parts = new Set<string>();
  for (const f of files) {
    const m = re.exec(f);
    if (m === null || m[1] !== bucket) {
      throw new UsageError(
        `--engine athena: ${f} is not a ${source === "capture" ? "change object" : "data file of an export"} in s3://${bucket}/ (Athena reads the backup bucket's layout only)`,
      );
    }
    tables.add(m[2] as string);
    parts.add(m[3] as string);
  }
  return { tables, parts };
}

const inList = (values: Iterable<string>): string => `(${[...values].map(str).join(", ")})`;

export function athenaDialect(opts: AthenaDialectOptions): SqlDialect {
  return {
    name: "athena",
    str,
    readLines(source, files) {
      const table = source === "capture" ? HISTORY_TABLES.changeLines : HISTORY_TABLES.exportLines;
      const partition = source === "capture" ? "hour" : "export_id";
      const { tables, parts } = partitions(source, files, opts.bucket);
      return `(SELECT line, "$path" AS file
  FROM ${ident(opts.database)}.${ident(table.name)}
  WHERE table_name IN ${inList(tables)} AND ${partition} IN ${inList(parts)}
    AND "$path" IN ${inList(files)}) AS lines(line, file)`;
    },
    withFields(relation, fields) {
      const cols = fields.map(
        (f) => `${f.as === "json" ? this.json("line", f.path) : this.jsonString("line", f.path)} AS ${ident(f.name)}`,
      );
      return `(SELECT file, line, ${cols.join(", ")} FROM ${relation}) AS fields`;
    },
    json(expr, path) {
      return `json_format(json_extract(${expr}, ${str(jsonPath(path))}))`;
    },
    jsonString(expr, path) {
      return `json_extract_scalar(${expr}, ${str(jsonPath(path))})`;
    },
    itemImage(lineExpr) {
      return `CASE WHEN starts_with(${lineExpr}, '{"Item":') AND substr(${lineExpr}, length(${lineExpr}), 1) = '}'
      THEN substr(${lineExpr}, 9, length(${lineExpr}) - 9)
      ELSE json_format(json_extract(${lineExpr}, '$["Item"]')) END`;
    },
    padDigits(expr, width) {
      return `lpad(${expr}, ${width}, '0')`;
    },
    microsFromSeconds(expr) {
      return `CAST(round(CAST(${expr} AS DECIMAL(38, 9)) * 1000000) AS BIGINT)`;
    },
    bigint(expr) {
      return `CAST(${expr} AS BIGINT)`;
    },
    concat(...exprs) {
      return `(${exprs.join(" || ")})`;
    },
    keySeparator: "chr(31)",
  };
}

/**
 * `UNLOAD (<select>) TO '<s3 folder>'` as gzip text, one line per row: the rebuilt table's `{"Item":…}` lines. The
 * folder must be empty (Athena refuses otherwise). One column, so no field delimiter is ever written; JSON text holds
 * no raw line break, so each row is one line.
 */
export function unloadSql(select: string, outFolderUri: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+\/$/.test(outFolderUri)) {
    throw new UsageError(
      `--out: ${outFolderUri} is not an s3:// folder (s3://<bucket>/<prefix>/) Athena can UNLOAD to`,
    );
  }
  return `UNLOAD (
${select}
) TO ${str(outFolderUri)} WITH (format = 'TEXTFILE', compression = 'GZIP')`;
}

/** The SELECT inside an {@link unloadSql} statement (for checking it). */
export function selectOfUnload(unload: string): string | undefined {
  const m = /^UNLOAD \(\n([\s\S]*)\n\) TO '[^']*' WITH \(format = 'TEXTFILE', compression = 'GZIP'\)$/.exec(unload);
  return m?.[1];
}
