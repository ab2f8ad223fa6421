/**
 * Bad input to `runbook` and `rehearse`: one row per input with the exact message and exit code, and proof that
 * nothing was done: no AWS call at all (every SDK request goes to a loopback server that counts them) — except, for
 * the `rehearse --target aws` guards that look in the account, its two read-only listings (ListTables, ListBuckets),
 * which that server answers with one table and one bucket named with a rehearsal prefix — no file written in the
 * working directory or the scratch folder, no moto_server or terraform started (a rehearsal that started would make a
 * scratch folder dynamo-dr-rehearsal-* in the temp directory).
 * Adding a row is one line: `row([...argv], EXIT.usage, "the message")`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateModuleAddress } from "../../lib/addresses";
import { EXIT } from "../../lib/cli/errors";
import { runDr, useEndpoint } from "../dr/helpers";

interface Row {
  readonly argv: readonly string[];
  readonly exit: number;
  readonly message: string;
}

const row = (argv: readonly string[], exit: number, message: string): Row => ({ argv, exit, message });

const DIR = mkdtempSync(join(tmpdir(), "dds-bad-input-rehearse-"));
const EXISTING = join(DIR, "EXISTING.md");
const FOLDER = join(DIR, "a-folder");
const MISSING_DIR = join(tmpdir(), "dds-does-not-exist-bad-input-rehearse");

function addressError(address: string): string {
  try {
    validateModuleAddress(address);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${address} is valid`);
}

/** What the counting server says exists in the "account" (for the guard that refuses an existing prefix). */
const TAKEN_TABLE = "rehearsal-taken-ProvidersTable";
const TAKEN_BUCKET = "rehearsal-bucket-backups";
/** Read-only listings the --target aws guard makes; every other request counts as one that must not happen. */
const GUARD_LISTINGS = new Set(["DynamoDB_20120810.ListTables", "GET /"]);

const PREFIX_ONLY =
  'is not allowed with --target aws; it must start with "rehearsal-" followed by a name (e.g. rehearsal-team1), so that the rehearsal can never touch a real deployment';

// prettier-ignore
const RUNBOOK_ROWS: readonly Row[] = [
  row(["runbook"], EXIT.usage, "--prefix is required. See --help."),
  row(["runbook", "--prefix", "p", "--module-address", "data_persistence"], EXIT.usage, addressError("data_persistence")),
  row(["runbook", "--prefix", "p", "--bucket", "s3://b/x"], EXIT.usage, '--bucket: "s3://b/x" is not an S3 bucket name; use 3-63 lowercase letters, digits, dots and hyphens (the bucket name alone, not s3://…)'),
  row(["runbook", "--prefix", "p", "--out", EXISTING], EXIT.usage, `--out: ${EXISTING} already exists; add --force to replace it, or choose another path`),
  row(["runbook", "--prefix", "p", "--out", FOLDER], EXIT.usage, `--out: ${FOLDER} is a folder; name a file`),
  row(["runbook", "--prefix", "p", "--out", `${EXISTING}/x.md`], EXIT.usage, `--out: ${EXISTING}/x.md cannot be created: ${EXISTING} is a file, not a folder; choose another path`),
  row(["runbook", "--prefix", "p", "--chdir", ""], EXIT.usage, '--chdir: "" is not allowed: give the Terraform root module folder'),
  row(["runbook", "--prefix", "p", "--chdir", MISSING_DIR], EXIT.usage, `--chdir: "${MISSING_DIR}" is not a directory (resolved to ${MISSING_DIR})`),
  row(["runbook", "--prefix", "a b"], EXIT.usage, '--prefix: "a b-AccessTokensTable" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.). The tables are <prefix>-<CatalogName>.'),
  row(["runbook", "--prefix", "p", "extra"], EXIT.usage, 'unexpected argument "extra"; runbook takes no positional arguments. See --help.'),
];

// prettier-ignore
const REHEARSE_ROWS: readonly Row[] = [
  row(["rehearse", "--scenario", "everything"], EXIT.usage, '--scenario: "everything" is not allowed; use one of table, deployment, history, all'),
  row(["rehearse", "--target", "prod"], EXIT.usage, '--target: "prod" is not allowed; use one of local, aws'),
  row(["rehearse", "--prefix", "rehearsal-x"], EXIT.usage, "--prefix applies to --target aws only; --target local uses its own prefix (rehearsal)"),
  row(["rehearse", "--report", EXISTING], EXIT.usage, `--report: ${EXISTING} already exists; add --force to replace it, or choose another path`),
  row(["rehearse", "--report", FOLDER], EXIT.usage, `--report: ${FOLDER} is a folder; name a file`),
  row(["rehearse", "--target", "aws"], EXIT.usage, "--target aws needs --prefix rehearsal-<name>: a dedicated prefix, so that the rehearsal can never touch a real deployment"),
  row(["rehearse", "--target", "aws", "--prefix", "prod"], EXIT.usage, `--prefix: "prod" ${PREFIX_ONLY}`),
  row(["rehearse", "--target", "aws", "--prefix", "rehearsal-"], EXIT.usage, `--prefix: "rehearsal-" ${PREFIX_ONLY}`),
  row(["rehearse", "--target", "aws", "--prefix", "my-rehearsal-x"], EXIT.usage, `--prefix: "my-rehearsal-x" ${PREFIX_ONLY}`),
  row(["rehearse", "--target", "aws", "--prefix", "rehearsal-taken", "--yes"], EXIT.precondition, `--prefix rehearsal-taken: 1 resource(s) with this prefix already exist, which this rehearsal did not create: table ${TAKEN_TABLE}. Choose another --prefix rehearsal-<name>, or delete them if they are left from an earlier rehearsal.`),
  row(["rehearse", "--target", "aws", "--prefix", "rehearsal-bucket", "--yes"], EXIT.precondition, `--prefix rehearsal-bucket: 1 resource(s) with this prefix already exist, which this rehearsal did not create: bucket ${TAKEN_BUCKET}. Choose another --prefix rehearsal-<name>, or delete them if they are left from an earlier rehearsal.`),
  row(["rehearse", "--target", "aws", "--prefix", "rehearsal-fresh"], EXIT.aborted, "Rehearse in the AWS account of your current credentials with tables and buckets named rehearsal-fresh-*? Proceed?\nNo terminal to ask for confirmation: re-run with --yes to proceed."),
  row(["rehearse", "--target", "aws", "--prefix", "rehearsal-a b"], EXIT.usage, '--prefix: "rehearsal-a b-AccessTokensTable" is not a legal DynamoDB table name: it may contain only A-Z, a-z, 0-9, underscore (_), hyphen (-) and dot (.). Tables are <prefix>-<CatalogName>.'),
];

let server: Server;
let awsRequests = 0;
let guardListings = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const target = req.headers["x-amz-target"];
    const kind = typeof target === "string" ? target : `${req.method ?? ""} ${(req.url ?? "").split("?")[0] ?? ""}`;
    if (GUARD_LISTINGS.has(kind)) {
      guardListings++;
      if (kind === "GET /") {
        res.writeHead(200, { "content-type": "application/xml" });
        return void res.end(
          `<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>${TAKEN_BUCKET}</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`,
        );
      }
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      return void res.end(JSON.stringify({ TableNames: [TAKEN_TABLE] }));
    }
    awsRequests++;
    res.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
    res.end(JSON.stringify({ __type: "InternalFailure", message: "this test expects no AWS call" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  useEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  writeFileSync(EXISTING, "keep me\n");
  mkdirSync(FOLDER);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const scratchFolders = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith("dynamo-dr-rehearsal-"));
const label = (r: Row): string => JSON.stringify(r.argv.slice(1)).slice(0, 160);

describe.each([
  ["runbook", RUNBOOK_ROWS],
  ["rehearse", REHEARSE_ROWS],
])("%s: bad input", (_command, rows) => {
  it.each(rows.map((r) => [label(r), r] as const))("%s", async (_label, r) => {
    const cwd = mkdtempSync(join(tmpdir(), "dds-bad-input-cwd-"));
    const requestsBefore = awsRequests;
    const listingsBefore = guardListings;
    const scratchBefore = scratchFolders();
    const res = await runDr([...r.argv], { cwd });
    // --target aws prints its cost estimate first; the error is the last line.
    const error = res.stderr
      .split("\n")
      .filter((l) => !l.startsWith("Estimated cost: "))
      .join("\n");
    expect(error).toBe(`error: ${r.message}\n`);
    expect(res.stdout).toBe("");
    expect(res.code).toBe(r.exit);
    expect(awsRequests - requestsBefore, "AWS requests").toBe(0);
    const looksInAccount = r.exit === EXIT.precondition || r.exit === EXIT.aborted;
    expect(guardListings - listingsBefore, "the guard's read-only listings").toBe(looksInAccount ? 2 : 0);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(DIR).sort()).toEqual(["EXISTING.md", "a-folder"]);
    expect(readFileSync(EXISTING, "utf8")).toBe("keep me\n");
    expect(scratchFolders()).toEqual(scratchBefore);
  });
});

it("--target aws prints the estimated cost before any check", async () => {
  const res = await runDr(["rehearse", "--target", "aws", "--prefix", "prod"]);
  expect(res.stderr.split("\n")[0]).toMatch(/^Estimated cost: under \$\d+\.\d\d \(\d+ on-demand tables × \d+ items/);
});

it("every row is distinct", () => {
  const all = [...RUNBOOK_ROWS, ...REHEARSE_ROWS].map((r) => JSON.stringify(r.argv));
  expect(new Set(all).size).toBe(all.length);
});
