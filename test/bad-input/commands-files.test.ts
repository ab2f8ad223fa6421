/**
 * Bad input for the file commands (`backup`, `restore`, `verify`), as one table: each row is the argv, the exit code,
 * the exact error message, and what must NOT exist afterwards (a table, a file). The good cases are rows too (exit 0).
 * Adding a case is one `row(...)` line; a new command adds its rows here (or in a sibling commands-*.test.ts).
 *
 * Placeholders in argv, messages and paths: {dir} a scratch folder, {good} a complete backup of table `src`,
 * {badjson} / {toobig} damaged copies of it, {ro} a folder that is a READ-ONLY file system and {full} one with no space
 * left: rows naming them run the CLI in a child process inside its own mount namespace (`unshare -m`) where such
 * tmpfs are mounted (root would bypass chmod, so a real read-only mount is the only honest test). Rows naming s3://
 * need moto_server.
 * dynalite (and moto) on loopback only.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { DescribeTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { md5Base64, serializeManifestFiles } from "../../lib/export-format";
import { MAX_ITEM_BYTES } from "../../lib/table-io/item-size";
import { client, createTable, dr, makeItems, seed, simpleTable, snapshot, useEndpoints } from "../backup/helpers";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";
import { startMoto, type Moto } from "../support/moto";
import { motoSkipReason } from "../support/tools";

const REPO = resolve(__dirname, "../..");
/** tsx's loader by absolute path (the child's working directory is the scratch folder). */
const TSX_LOADER = pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href;

interface Row {
  /** `dynamo-dr` arguments, space-separated (placeholders allowed; no argument contains a space). */
  readonly argv: string;
  readonly code: number;
  /** The exact message after `error: ` (a RegExp to match instead); for exit 0, text stderr or stdout must contain. */
  readonly message: string | RegExp;
  /** What must not exist afterwards: `table:<name>` or a path. */
  readonly absent: readonly string[];
}

function row(argv: string, code: number, message: string | RegExp, absent: readonly string[] = []): Row {
  return { argv, code, message, absent };
}

// prettier-ignore
const ROWS: readonly Row[] = [
  // backup
  row("backup --table a", 2, '--table: "a" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 1).'),
  row("backup --table src --segments 0", 2, '--segments: "0" is not allowed; use a whole number from 1 to 1000000'),
  row("backup --table src --resume", 2, "--resume needs --out: the location of the interrupted backup"),
  row("backup --table no-such-table --out {dir}/b-missing", 4, 'table "no-such-table" does not exist (check the name and AWS_REGION)', ["{dir}/b-missing"]),
  row("backup --table src --out {dir}/a-file", 2, "--out: {dir}/a-file is a file, not a folder; name an empty folder or a new path", ["{dir}/a-file.tmp"]),
  row("backup --table src --out {dir}/a-file/sub", 2, "--out: {dir}/a-file/sub cannot be created: {dir}/a-file is a file, not a folder; choose another path"),
  row("backup --table src --out {ro}/b", 3, "--out: {ro}/b (at {ro}) is on a read-only file system; choose a writable location"),
  row("backup --table src --out {full}/b", 3, "--out: no space left to write {full}/b; free some space or choose another location"),
  row("restore-files {good} --table r-cp-full --create-table --checkpoint {full}/cp.json", 3, "--checkpoint: no space left to write {full}/cp.json; free some space or choose another location", ["table:r-cp-full"]),
  row("backup --table src --out {good}", 3, /^\{good\} is not empty \(\d+ files, e\.g\. .*\); choose a new, empty location for the backup\.$/),
  row("backup --table src --out s3://no-such-bucket/x", 4, '--out: bucket "no-such-bucket" does not exist (s3://no-such-bucket/x); check the name, and AWS_REGION or AWS_PROFILE'),
  row("backup --table src --out {dir}/many --segments 2000", 0, "note: 2,000 segments for a table of about 0 items (DynamoDB's count, updated about every 6 hours): most segments will be empty"),
  // restore
  row("restore-files {good} --table no-such-target", 4, 'table "no-such-target" does not exist; create it first, or add --create-table to build it from {good}/schema.json'),
  row("restore-files {good} --table r-cp-dir --create-table --checkpoint {dir}", 2, "--checkpoint: {dir} is a folder; name a file", ["table:r-cp-dir", "{dir}.tmp"]),
  row("restore-files {good} --table r-cp-ro --create-table --checkpoint {ro}/cp.json", 3, "--checkpoint: {ro}/cp.json (at {ro}) is on a read-only file system; choose a writable location", ["table:r-cp-ro"]),
  row("restore-files {good} --table r-cp-file --create-table --checkpoint {dir}/a-file/cp.json", 2, "--checkpoint: {dir}/a-file/cp.json cannot be created: {dir}/a-file is a file, not a folder; choose another path", ["table:r-cp-file"]),
  row("restore-files {badjson} --table r-bad-json --create-table", 6, /^export at \{badjson\} failed verification \(1 problem\):\n {2}- \{badjson\}\/data\/damageddamageddamageddama\.json\.gz line 3: not valid JSON \(.*\)\nNothing was written to r-bad-json and no table was created\.$/, ["table:r-bad-json"]),
  row("restore-files {toobig} --table r-too-big --create-table", 6, `export at {toobig} failed verification (1 problem):\n  - {toobig}/data/damageddamageddamageddama.json.gz line 2: the item with key pk={"S":"too-big"} is ${(MAX_ITEM_BYTES + 1012).toLocaleString("en-US")} bytes, over DynamoDB's item limit of 409,600 bytes (400 KB); DynamoDB would refuse it\nNothing was written to r-too-big and no table was created.`, ["table:r-too-big"]),
  row("restore-files {good} --table other-key --yes", 3, 'table "other-key" has hash key id (S), sort key (none) but the backup\'s table had hash key pk (S), sort key (none); restore into a table with the same key'),
  row("restore-files {good} --table src --create-table", 3, 'table "src" already exists; restore into it without --create-table (items are upserted), or choose a new --table name'),
  row("restore-files {dir}/nothing-here --table r-none --create-table", 4, "no export found at {dir}/nothing-here: expected manifest-summary.json there or under AWSDynamoDB/<exportId>/", ["table:r-none"]),
  row("restore-files s3://no-such-bucket/x --table r-s3 --create-table", 4, '<source>: bucket "no-such-bucket" does not exist (s3://no-such-bucket/x); check the name, and AWS_REGION or AWS_PROFILE', ["table:r-s3"]),
  row("restore-files {good} --table r-good --create-table --quiet", 0, "Restored 100 of 100 items into r-good (table created, on-demand)."),
  // verify
  row("verify {good} --table other-key", 3, '--table: table "other-key" has hash key id (S), sort key (none) but the backup at {good} is of a table with hash key pk (S), sort key (none); compare with a table of the same key'),
  row("verify {good} --table no-such-table", 4, '--table: table "no-such-table" does not exist in us-east-1; check the name (aws dynamodb list-tables) and AWS_REGION'),
  row("verify {badjson}", 6, /^\{badjson\} failed verification:\n {2}- \{badjson\}\/data\/damageddamageddamageddama\.json\.gz line 3: not valid JSON \(.*\)$/),
  row("verify {dir}/nothing-here", 4, "no export found at {dir}/nothing-here: expected manifest-summary.json there or under AWSDynamoDB/<exportId>/"),
  row("verify {dir}/many-interrupted", 3, "{dir}/many-interrupted is an INCOMPLETE backup: it has no manifest-summary.json (it was interrupted or is still running). Resume it with: dynamo-dr backup --table src --out {dir}/many-interrupted --resume"),
  row("restore-files {dir}/many-interrupted --table r-incomplete --create-table", 3, "{dir}/many-interrupted is an INCOMPLETE backup: it has no manifest-summary.json (it was interrupted or is still running). Resume it with: dynamo-dr backup --table src --out {dir}/many-interrupted --resume", ["table:r-incomplete"]),
  row("verify s3://no-such-bucket/x", 4, '<source>: bucket "no-such-bucket" does not exist (s3://no-such-bucket/x); check the name, and AWS_REGION or AWS_PROFILE'),
  row("verify {good} --table src --quiet", 0, "table src: all 100 items identical"),
];

let server: DynamoServer;
let moto: Moto | undefined;
let ddb: DynamoDBClient;
let dir: string;
const places: Record<string, string> = {};

function fill(text: string): string {
  return text.replace(/\{(\w+)\}/g, (m, name: string) => places[name] ?? m);
}

function fillPattern(re: RegExp): RegExp {
  const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return new RegExp(
    re.source.replace(/\\\{(\w+)\\\}/g, (m, name: string) => escaped(places[name] ?? m)),
    re.flags,
  );
}

/** A copy of {good} whose one data file holds `lines`, with manifests that match it (so only decoding can tell). */
function damagedCopy(name: string, lines: readonly string[]): string {
  const root = join(dir, name);
  cpSync(places.good as string, root, { recursive: true });
  rmSync(join(root, "data"), { recursive: true });
  mkdirSync(join(root, "data"));
  const gz = gzipSync(lines.map((l) => `${l}\n`).join(""));
  const key = "data/damageddamageddamageddama.json.gz";
  writeFileSync(join(root, key), gz);
  writeFileSync(
    join(root, "manifest-files.json"),
    serializeManifestFiles([{ itemCount: lines.length, md5Checksum: md5Base64(gz), etag: "", dataFileS3Key: key }]),
  );
  const summary = JSON.parse(readFileSync(join(root, "manifest-summary.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(join(root, "manifest-summary.json"), JSON.stringify({ ...summary, itemCount: lines.length }));
  return root;
}

/**
 * Runs the CLI in a child process with its own mount namespace, where {ro} is a read-only tmpfs and {full} a tmpfs
 * with no space left.
 */
function runWithMounts(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = [
    `mount -t tmpfs -o ro tmpfs "${places.ro}"`,
    `mount -t tmpfs -o size=4k tmpfs "${places.full}"`,
    `{ head -c 1048576 /dev/zero > "${places.full}/filler" 2>/dev/null; true; }`,
    `exec "$0" "$@"`,
  ].join(" && ");
  const argv = [
    "-m",
    "sh",
    "-c",
    script,
    process.execPath,
    "--import",
    TSX_LOADER,
    join(REPO, "scripts/dr.ts"),
    ...args,
  ];
  return new Promise((done) => {
    execFile("unshare", argv, { cwd: dir, env: process.env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      done({ code, stdout, stderr });
    });
  });
}

async function tableExists(name: string): Promise<boolean> {
  try {
    await ddb.send(new DescribeTableCommand({ TableName: name }));
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  [server, moto] = await Promise.all([startDynalite(), motoSkipReason() === undefined ? startMoto() : undefined]);
  useEndpoints(server.endpoint, moto?.endpoint ?? "http://127.0.0.1:9");
  ddb = client(server.endpoint);
  if (moto !== undefined) {
    // A bucket exists, so "no-such-bucket" is the only thing wrong.
    await new S3Client({ endpoint: moto.endpoint, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: "dr-backups" }),
    );
  }
  dir = mkdtempSync(join(tmpdir(), "bad-input-files-"));
  places.dir = dir;
  places.ro = join(dir, "ro");
  places.full = join(dir, "full");
  mkdirSync(places.full);
  places.good = join(dir, "good");
  mkdirSync(places.ro);
  writeFileSync(join(dir, "a-file"), "not a folder\n");
  await createTable(ddb, simpleTable("src"));
  await seed(ddb, "src", makeItems(100));
  await createTable(ddb, {
    TableName: "other-key",
    AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  const b = await dr(["backup", "--table", "src", "--out", places.good, "--quiet"]);
  expect(b.code, b.stderr).toBe(0);
  const ok = (i: number): string => `{"Item":{"pk":{"S":"ok-${i}"}}}`;
  cpSync(places.good, join(dir, "many-interrupted"), { recursive: true });
  rmSync(join(dir, "many-interrupted", "manifest-summary.json"));
  writeFileSync(
    join(dir, "many-interrupted", "_checkpoint.json"),
    JSON.stringify({ kind: "dynamo-dr-backup", tableName: "src" }),
  );
  places.badjson = damagedCopy("bad-json", [ok(1), ok(2), "{not json", ok(4)]);
  const big = `{"Item":{"pk":{"S":"too-big"},"pad":{"S":"${"x".repeat(MAX_ITEM_BYTES + 1000)}"}}}`;
  places.toobig = damagedCopy("too-big", [ok(1), big, ok(3)]);
});

afterAll(async () => {
  await Promise.all([server?.stop(), moto?.stop()]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("bad input to backup, restore and verify: exact message, exit code, nothing left behind", () => {
  it.each(ROWS.map((r) => [r.argv, r] as const))("dynamo-dr %s", async (_name, r) => {
    if (r.argv.includes("s3://") && moto === undefined) throw new Error(`moto_server is needed: ${motoSkipReason()}`);
    const args = fill(r.argv).split(" ");
    const mounts = r.argv.includes("{ro}") || r.argv.includes("{full}");
    const res = mounts ? await runWithMounts(args) : await dr(args, { cwd: dir });
    expect(res.code, res.stderr).toBe(r.code);
    if (r.code === 0) {
      expect(`${res.stderr}${res.stdout}`).toContain(fill(r.message as string));
    } else {
      const at = res.stderr.indexOf("error: ");
      const message = res.stderr.slice(at + "error: ".length).trimEnd();
      expect(at, res.stderr).toBeGreaterThanOrEqual(0);
      expect(res.stderr).not.toMatch(/\n\s+at .*:\d+:\d+\)?\n/); // no stack trace
      if (typeof r.message === "string") expect(message).toBe(fill(r.message));
      else expect(message).toMatch(fillPattern(r.message));
    }
    for (const thing of r.absent.map(fill)) {
      if (thing.startsWith("table:")) expect(await tableExists(thing.slice(6)), thing).toBe(false);
      else expect(existsSync(thing), thing).toBe(false);
    }
  });

  it("the bad-input rows left the source table and the good backup as they were", async () => {
    expect((await snapshot(ddb, "src")).length).toBe(100);
    expect(readFileSync(join(dir, "a-file"), "utf8")).toBe("not a folder\n");
    expect(readdirSync(places.ro as string)).toEqual([]);
    expect(readdirSync(places.full as string)).toEqual([]);
    const v = await dr(["verify", places.good as string, "--quiet"]);
    expect(v.code, v.stderr).toBe(0);
  });
});
