/**
 * Bad input to `dynamo-dr history` and `dynamo-dr rebuild`: one row per input with the exact message and exit code,
 * and proof that nothing was written (the output folder and the temp folder are unchanged). Adding a row is one line.
 * Runs without AWS: every input is refused before the first call.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProgram } from "../../lib/cli/command";
import { COMMANDS } from "../../scripts/commands";

let root: string;
let temp: string;
let bucket: string;
let empty: string;
let full: string;
let file: string;
let catalogFile: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bad-history-"));
  temp = join(root, "temp");
  bucket = join(root, "bucket");
  empty = join(root, "empty-bucket");
  full = join(root, "full-out");
  file = join(root, "a-file");
  catalogFile = join(root, "catalog.json");
  for (const d of [temp, bucket, empty, full]) await mkdir(d);
  await mkdir(join(bucket, "changes", "HistoryTable", "2026", "11", "30", "10"), { recursive: true });
  await writeFile(join(bucket, "changes", "HistoryTable", "2026", "11", "30", "10", "x.json.gz"), "");
  await writeFile(join(full, "keep.txt"), "mine");
  await writeFile(file, "");
  await writeFile(
    catalogFile,
    JSON.stringify({ tables: [{ name: "HistoryTable", attributes: { pk: "S" }, hashKey: "pk" }] }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Paths {
  readonly root: string;
  readonly temp: string;
  readonly bucket: string;
  readonly empty: string;
  readonly full: string;
  readonly file: string;
  readonly out: string;
}

interface Row {
  readonly name: string;
  readonly argv: (paths: Paths) => string[];
  readonly code: number;
  readonly message: (paths: Paths) => string;
}

const AT = "2026-11-30T10:30:00Z";
const ok = (p: Paths, over: Record<string, string | undefined> = {}): string[] => {
  const flags: Record<string, string | undefined> = {
    bucket: p.bucket,
    table: "HistoryTable",
    at: AT,
    out: p.out,
    "temp-dir": p.temp,
    ...over,
  };
  return ["rebuild", ...Object.entries(flags).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v])), "--quiet"];
};

const ISO_HINT = "give an ISO 8601 time with a time zone, e.g. 2025-01-31T04:05:00Z or 2025-01-31T06:05:00+02:00";
const rows: Row[] = [
  {
    name: "rebuild: --at not a time",
    argv: (p) => ok(p, { at: "yesterday" }),
    code: 2,
    message: () => `--at: "yesterday" is not allowed; ${ISO_HINT}`,
  },
  {
    name: "rebuild: --at without a time zone",
    argv: (p) => ok(p, { at: "2026-11-30T10:30:00" }),
    code: 2,
    message: () => `--at: "2026-11-30T10:30:00" is not allowed; ${ISO_HINT}`,
  },
  {
    name: "rebuild: --at in the future",
    argv: (p) => ok(p, { at: "2999-01-01T00:00:00Z" }),
    code: 2,
    message: () => /* checked by prefix below */ `--at: "2999-01-01T00:00:00Z" is in the future (now is `,
  },
  {
    name: "rebuild: unknown table",
    argv: (p) => ok(p, { table: "NoSuchTable" }),
    code: 2,
    message: () => `--table: Unknown table "NoSuchTable". Known tables: HistoryTable.`,
  },
  {
    name: "rebuild: --bucket missing",
    argv: (p) => ok(p, { bucket: undefined }),
    code: 2,
    message: () => "--bucket is required. See --help.",
  },
  {
    name: "rebuild: --bucket not a bucket name",
    argv: (p) => ok(p, { bucket: "Not_A_Bucket!" }),
    code: 2,
    message: () =>
      `--bucket: "Not_A_Bucket!" is not allowed; give the backup bucket's name (3-63 lower-case letters, digits, . and -), s3://<bucket>, or a local folder mirroring it (file:///path or a path containing /)`,
  },
  {
    name: "rebuild: --bucket folder does not exist",
    argv: (p) => ok(p, { bucket: `${p.root}/nowhere` }),
    code: 4,
    message: (p) => `--bucket: folder ${p.root}/nowhere does not exist`,
  },
  {
    name: "rebuild: --out missing",
    argv: (p) => ok(p, { out: undefined }),
    code: 2,
    message: () => "--out is required. See --help.",
  },
  {
    name: "rebuild: --out not empty",
    argv: (p) => ok(p, { out: p.full }),
    code: 2,
    message: (p) => `--out: ${p.full} is not empty (1 file(s), e.g. keep.txt); choose a new, empty location`,
  },
  {
    name: "rebuild: --out is a file",
    argv: (p) => ok(p, { out: p.file }),
    code: 2,
    message: (p) => `--out: ${p.file} exists and is not a folder`,
  },
  {
    name: "rebuild: --out below a file (not writable)",
    argv: (p) => ok(p, { out: `${p.file}/out` }),
    code: 2,
    message: (p) => `--out: ${p.file} is not an existing folder`,
  },
  {
    name: "rebuild: --memory-limit malformed",
    argv: (p) => ok(p, { "memory-limit": "lots" }),
    code: 2,
    message: () =>
      `--memory-limit: "lots" is not allowed; give a number and a unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. 2GB`,
  },
  {
    name: "rebuild: --memory-limit without a unit",
    argv: (p) => ok(p, { "memory-limit": "512" }),
    code: 2,
    message: () =>
      `--memory-limit: "512" is not allowed; give a number and a unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. 2GB`,
  },
  {
    name: "rebuild: --temp-dir does not exist",
    argv: (p) => ok(p, { "temp-dir": `${p.root}/no-temp` }),
    code: 2,
    message: (p) => `--temp-dir: ${p.root}/no-temp is not an existing folder`,
  },
  {
    name: "rebuild: --engine unknown",
    argv: (p) => ok(p, { engine: "spark" }),
    code: 2,
    message: () => `--engine: "spark" is not allowed; use one of duckdb, athena`,
  },
  ...athenaRows(),
  {
    name: "rebuild: no full export to start from",
    argv: (p) => ok(p),
    code: 4,
    message: () =>
      "cannot rebuild HistoryTable as of 2026-11-30T10:30:00.000Z: no usable full export is consistent at or before it (there is none); nearest times it can rebuild exactly: before none, after none",
  },
  {
    name: "history: --table missing",
    argv: (p) => ["history", "--bucket", p.bucket],
    code: 2,
    message: () => "--table is required. See --help.",
  },
  {
    name: "history: unknown table",
    argv: (p) => ["history", "--bucket", p.bucket, "--table", "Orders"],
    code: 2,
    message: () => `--table: Unknown table "Orders". Known tables: HistoryTable.`,
  },
  {
    name: "history: nothing recorded for the table",
    argv: (p) => ["history", "--bucket", p.empty, "--table", "HistoryTable"],
    code: 4,
    message: (p) =>
      `${p.empty}/exports/HistoryTable/ and ${p.empty}/changes/HistoryTable/ hold no history of table HistoryTable: no exports and no captured changes (check --bucket and --table)`,
  },
];

/** `rebuild --engine athena` and its flags: every row is refused before the first AWS call. */
function athenaRows(): Row[] {
  const athena = (p: Paths, over: Record<string, string | undefined> = {}): string[] =>
    ok(p, { engine: "athena", "temp-dir": undefined, out: "s3://hist-backups/rebuilds/r1", prefix: "prod", ...over });
  const needs =
    "--engine athena needs --prefix (the module's prefix, naming its history workgroup and database), or both --workgroup and --database";
  return [
    {
      name: "rebuild --engine athena: --memory-limit (DuckDB's)",
      argv: (p) => athena(p, { "memory-limit": "1GB" }),
      code: 2,
      message: () => "--memory-limit does not apply with --engine athena; it is for --engine duckdb only",
    },
    {
      name: "rebuild --engine athena: --temp-dir (DuckDB's)",
      argv: (p) => athena(p, { "temp-dir": p.temp }),
      code: 2,
      message: () => "--temp-dir does not apply with --engine athena; it is for --engine duckdb only",
    },
    {
      name: "rebuild --engine duckdb: --prefix (Athena's)",
      argv: (p) => ok(p, { prefix: "prod" }),
      code: 2,
      message: () => "--prefix does not apply with --engine duckdb; it is for --engine athena only",
    },
    {
      name: "rebuild --engine duckdb: --workgroup (Athena's)",
      argv: (p) => ok(p, { engine: "duckdb", workgroup: "prod-ddb-history" }),
      code: 2,
      message: () => "--workgroup does not apply with --engine duckdb; it is for --engine athena only",
    },
    {
      name: "rebuild --engine duckdb: --database (Athena's)",
      argv: (p) => ok(p, { database: "prod_ddb_history" }),
      code: 2,
      message: () => "--database does not apply with --engine duckdb; it is for --engine athena only",
    },
    {
      name: "rebuild --engine athena: neither --prefix nor --workgroup/--database",
      argv: (p) => athena(p, { prefix: undefined }),
      code: 2,
      message: () => needs,
    },
    {
      name: "rebuild --engine athena: --workgroup without --database (and no --prefix)",
      argv: (p) => athena(p, { prefix: undefined, workgroup: "prod-ddb-history" }),
      code: 2,
      message: () => needs,
    },
    {
      name: "rebuild --engine athena: --prefix not a table-name prefix",
      argv: (p) => athena(p, { prefix: "prod env" }),
      code: 2,
      message: () =>
        `--prefix: "prod env-HistoryTable" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.). Tables are <prefix>-<CatalogName>.`,
    },
    {
      name: "rebuild --engine athena: --workgroup with a space",
      argv: (p) => athena(p, { workgroup: "prod history" }),
      code: 2,
      message: () => `--workgroup: "prod history" is not allowed; give 1-128 characters of A-Z, a-z, 0-9, ., _ and -`,
    },
    {
      name: "rebuild --engine athena: --database with upper case and -",
      argv: (p) => athena(p, { database: "Prod-History" }),
      code: 2,
      message: () => `--database: "Prod-History" is not allowed; give 1-255 characters of a-z, 0-9 and _`,
    },
    {
      name: "rebuild --engine athena: --bucket a local folder",
      argv: (p) => athena(p),
      code: 2,
      message: (p) =>
        `--bucket: "${p.bucket}" is a local folder; --engine athena reads the backup bucket itself: give its name (or use --engine duckdb)`,
    },
    {
      name: "rebuild --engine athena: --out a local folder",
      argv: (p) => athena(p, { bucket: "hist-backups", out: p.out }),
      code: 2,
      message: (p) =>
        `--out: "${p.out}" is not allowed with --engine athena; Athena UNLOADs to S3: give s3://<bucket>/<new prefix>`,
    },
    {
      name: "rebuild: --import-into not a table name",
      argv: (p) => ok(p, { "import-into": "x" }),
      code: 2,
      message: () =>
        `--import-into: "x" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 1).`,
    },
    {
      name: "rebuild: --import-into with a local --out",
      argv: (p) => ok(p, { "import-into": "prod-HistoryTable-rebuilt" }),
      code: 2,
      message: (p) =>
        `--import-into: ImportTable reads only from S3, but --out "${p.out}" is local; give --out s3://<bucket>/<prefix>, or load the folder with dynamo-dr restore-files`,
    },
  ];
}

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(c: Buffer, _e, done) {
      chunks.push(c.toString());
      done();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join("");
  return w;
}

describe("bad input to history and rebuild", () => {
  for (const row of rows) {
    it(row.name, async () => {
      const out = join(root, `out-${rows.indexOf(row)}`);
      const p = { root, temp, bucket, empty, full, file, out };
      const stderr = sink();
      const code = await runProgram("dynamo-dr", COMMANDS, row.argv(p), {
        stdout: sink(),
        stderr,
        stdin: process.stdin,
        env: { DDB_TABLE_CATALOG: catalogFile, AWS_EC2_METADATA_DISABLED: "true" },
        cwd: root,
      });
      const expected = `error: ${row.message(p)}`;
      if (row.name.includes("future")) expect(stderr.text().startsWith(expected)).toBe(true);
      else expect(stderr.text()).toBe(`${expected}\n`);
      expect(code).toBe(row.code);
      expect(await readdir(out).catch(() => "absent")).toBe("absent");
      expect(await readdir(temp)).toEqual([]);
      expect(await readdir(full)).toEqual(["keep.txt"]);
    });
  }
});
