/**
 * Bad input to recover, snapshot and snapshot prune (and restore-backups' AWS Backup flags): one row per input with
 * the exact message (or a pattern where it embeds the time), the exit code, and proof that nothing was done — no AWS
 * call (every SDK request goes to a loopback server that counts them) and no file written. The same row format as
 * test/bad-input/commands-dr.test.ts. Rows that need AWS to answer (a missing table, a missing vault, a missing
 * --bucket (exit 4), a source that cannot serve T) are in test/recover/*.moto.test.ts, with nothing created checked
 * there.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tableNames } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { runDr, useEndpoint } from "../dr/helpers";

interface Row {
  readonly argv: readonly string[];
  readonly exit: number;
  readonly message: string | RegExp;
}

const row = (argv: readonly string[], exit: number, message: string | RegExp): Row => ({ argv, exit, message });

const KNOWN = tableNames(loadProjectCatalog()).join(", ");
const AT = "2025-01-31T04:05:00Z";
const RECOVER = ["recover", "--table", "CollectionsTable", "--prefix", "p", "--at", AT];
const SNAP = ["snapshot", "--prefix", "p", "--reason", "before-deploy"];
const EXECUTE_NEEDS_CHDIR =
  "--execute needs --chdir <dir>: the Terraform root module folder that calls the data-persistence module (where you run terraform plan).";
const BAD_AT = (at: string): string =>
  `--at: "${at}" is not allowed; give an ISO 8601 time with a time zone, e.g. 2025-01-31T04:05:00Z or 2025-01-31T06:05:00+02:00`;
const BAD_BUCKET = (v: string): string =>
  `--bucket: "${v}" is not allowed; give the backup bucket's name (3-63 lower-case letters, digits, . and -) or s3://<bucket> (the rebuild is loaded by ImportTable, which reads only from S3)`;
const RETAIN = (v: string): string => `--retain-days: "${v}" is not allowed; use a whole number from 1 to 36500`;

// prettier-ignore
const ROWS: Row[] = [
  // recover
  row(["recover"], EXIT.usage, "--table is required. See --help."),
  row(["recover", "--table", "CollectionsTable", "--prefix", "p"], EXIT.usage, "--at is required. See --help."),
  row(["recover", "--table", "CollectionsTable", "--at", AT], EXIT.usage, "--prefix is required. See --help."),
  row(["recover", "--table", "CollectionsTable", "--prefix", "p", "--at", "yesterday"], EXIT.usage, BAD_AT("yesterday")),
  row(["recover", "--table", "CollectionsTable", "--prefix", "p", "--at", "2025-01-31T04:05:00"], EXIT.usage, BAD_AT("2025-01-31T04:05:00")),
  row(["recover", "--table", "CollectionsTable", "--prefix", "p", "--at", "2999-01-01T00:00:00Z"], EXIT.usage, /^--at: 2999-01-01T00:00:00\.000Z is in the future \(now is \d{4}-\d\d-\d\dT[\d:.]+Z\); give a past time$/),
  row(["recover", "--table", "Nope", "--prefix", "p", "--at", AT], EXIT.usage, `--table: Unknown table "Nope". Known tables: ${KNOWN}.`),
  row([...RECOVER, "--source", "s3"], EXIT.usage, '--source: "s3" is not allowed; use one of pitr, backup, history'),
  row([...RECOVER, "--execute"], EXIT.usage, EXECUTE_NEEDS_CHDIR),
  row([...RECOVER, "--then", ""], EXIT.usage, `--then: "" is not allowed; give a shell command, e.g. --then './reindex.sh'`),
  row([...RECOVER, "--target-name", "a"], EXIT.usage, '--target-name: "a" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 1).'),
  row([...RECOVER, "--region", "mars"], EXIT.usage, '--region: "mars" is not allowed; use a region code such as us-west-2'),
  row([...RECOVER, "--vault", "a b"], EXIT.usage, '--vault: "a b" is not allowed; a vault name is 2–50 letters, digits, "-", "_" or "."'),
  row([...RECOVER, "--source", "history"], EXIT.usage, "--source history needs --bucket <backup bucket>: the module's backup bucket, which holds the table's exports and captured changes"),
  row([...RECOVER, "--bucket", "Bad_Bucket"], EXIT.usage, BAD_BUCKET("Bad_Bucket")),
  row([...RECOVER, "--bucket", "s3://b/some/prefix"], EXIT.usage, BAD_BUCKET("s3://b/some/prefix")),
  row([...RECOVER, "--bucket", "./mirror"], EXIT.usage, BAD_BUCKET("./mirror")),
  row([...RECOVER, "--source", "history", "--bucket", "ab"], EXIT.usage, BAD_BUCKET("ab")),
  row([...RECOVER, "--memory-limit", "2GB"], EXIT.usage, "--memory-limit applies to the history restore, which needs --bucket <backup bucket>; remove --memory-limit or add --bucket"),
  row([...RECOVER, "--temp-dir", "/tmp"], EXIT.usage, "--temp-dir applies to the history restore, which needs --bucket <backup bucket>; remove --temp-dir or add --bucket"),
  row([...RECOVER, "--bucket", "my-backups", "--memory-limit", "lots"], EXIT.usage, '--memory-limit: "lots" is not allowed; give a number and a unit (KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. 2GB'),
  row([...RECOVER, "--bucket", "my-backups", "--temp-dir", "/nonexistent/dds-temp"], EXIT.usage, "--temp-dir: /nonexistent/dds-temp is not an existing folder"),
  row([...RECOVER, "--wait-minutes", "x"], EXIT.usage, '--wait-minutes: "x" is not allowed; use a whole number from 0 to 1440'),
  // snapshot
  row(["snapshot", "--reason", "x"], EXIT.usage, "--prefix is required. See --help."),
  row(["snapshot", "--prefix", "p"], EXIT.usage, "--reason is required. See --help."),
  row([...SNAP, "--retain-days", "0"], EXIT.usage, RETAIN("0")),
  row([...SNAP, "--retain-days", "abc"], EXIT.usage, RETAIN("abc")),
  row([...SNAP, "--retain-days", "36501"], EXIT.usage, RETAIN("36501")),
  row(["snapshot", "--prefix", "p", "--reason", "   "], EXIT.usage, '--reason: "   " is not allowed; say why in words, e.g. --reason "before migration 42"'),
  row(["snapshot", "--prefix", "p", "--reason", "x".repeat(201)], EXIT.usage, "--reason: 201 characters is too long; use at most 200"),
  row([...SNAP, "--tables", "CollectionsTable,,RulesTable"], EXIT.usage, '--tables: "CollectionsTable,,RulesTable" is not allowed; give catalog names separated by commas, e.g. CollectionsTable,RulesTable'),
  row([...SNAP, "--tables", "Nope"], EXIT.usage, `--tables: Unknown table "Nope". Known tables: ${KNOWN}.`),
  row([...SNAP, "--yes"], EXIT.usage, "--yes is not allowed with snapshot (only snapshot prune deletes). See --help."),
  row([...SNAP, "--iam-role-arn", "role"], EXIT.usage, '--iam-role-arn: "role" is not allowed; use a role ARN such as arn:aws:iam::123456789012:role/my-backup-role'),
  row(["snapshot", "--prefix", "p!", "--reason", "x"], EXIT.usage, /^--prefix: "p!-\w+" is not a legal DynamoDB table name: it may contain only .* Tables are <prefix>-<CatalogName>\.$/),
  row(["snapshot", "take", "--prefix", "p", "--reason", "x"], EXIT.usage, 'unexpected argument "take"; snapshot takes only "prune". See --help.'),
  // snapshot prune
  row(["snapshot", "prune"], EXIT.usage, "--prefix is required. See --help."),
  row(["snapshot", "prune", "--yes"], EXIT.usage, "--prefix is required. See --help."),
  row(["snapshot", "prune", "--prefix", "p", "--reason", "x"], EXIT.usage, "--reason is not allowed with snapshot prune. See --help."),
  row(["snapshot", "prune", "--prefix", "p", "--retain-days", "3"], EXIT.usage, "--retain-days is not allowed with snapshot prune. See --help."),
  row(["snapshot", "prune", "extra", "--prefix", "p"], EXIT.usage, 'unexpected argument "extra"; snapshot takes only prune. See --help.'),
  // restore-files --via import-table
  row(["restore-files", "s3://b/x", "--table", "t-new", "--via", "copy"], EXIT.usage, '--via: "copy" is not allowed; use one of write, import-table'),
  row(["restore-files", "s3://b/x", "--table", "t-new", "--via", "import-table", "--resume"], EXIT.usage, "--resume does not apply with --via import-table (ImportTable writes nothing through this machine)"),
  row(["restore-files", "s3://b/x", "--table", "t-new", "--via", "import-table", "--concurrency", "4"], EXIT.usage, "--concurrency does not apply with --via import-table (ImportTable writes nothing through this machine)"),
  row(["restore-files", "/tmp/dds-local-backup", "--table", "t-new", "--via", "import-table"], EXIT.usage, "--via import-table: <source> /tmp/dds-local-backup is a local folder; ImportTable reads only from S3 (s3://bucket/prefix): copy it there first, or restore without --via import-table"),
  row(["restore-files", "s3://b/x", "--table", "a", "--via", "import-table"], EXIT.usage, '--table: "a" is not a legal DynamoDB table name: it must be 3-255 characters long (it is 1).'),
  // restore-backups' AWS Backup flags
  row(["restore-backups", "--prefix", "p", "--backup-type", "AWS_BACKUP", "--region", "eu"], EXIT.usage, '--region: "eu" is not allowed; use a region code such as us-west-2'),
];

let awsRequests = 0;
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    awsRequests++;
    req.resume();
    res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
    res.end(JSON.stringify({ __type: "InternalFailure", message: "bad-input rows must not call AWS" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  useEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it.each(ROWS.map((r) => [JSON.stringify(r.argv).slice(0, 160), r] as const))("%s", async (_label, r) => {
  const cwd = mkdtempSync(join(tmpdir(), "dds-bad-input-recover-"));
  const before = awsRequests;
  const res = await runDr([...r.argv], { cwd });
  if (typeof r.message === "string") expect(res.stderr).toBe(`error: ${r.message}\n`);
  else expect(res.stderr.replace(/^error: /, "").replace(/\n$/, "")).toMatch(r.message);
  expect(res.stdout).toBe("");
  expect(res.code).toBe(r.exit);
  expect(awsRequests - before, "AWS requests").toBe(0);
  expect(readdirSync(cwd)).toEqual([]);
});

it("every row is distinct", () => {
  const all = ROWS.map((r) => JSON.stringify(r.argv));
  expect(new Set(all).size).toBe(all.length);
});
