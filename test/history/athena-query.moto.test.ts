/**
 * The rebuild's Athena calls against moto_server (which accepts queries and moves them QUEUED → RUNNING → SUCCEEDED but
 * never runs them): the query is accepted in the history workgroup with the database as context, polling reports
 * progress until SUCCEEDED, results are read page by page. Failure states moto cannot produce (FAILED, CANCELLED, a
 * query that never finishes) use a hand-written fake of the three calls: aws-sdk-client-mock mocks SDK clients, and
 * @aws-sdk/client-athena is not installed here (lib/history/athena-client.ts says why).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsError, PreconditionError, UsageError } from "../../lib/errors";
import { athenaClient, type AthenaApi, type QueryExecution } from "../../lib/history/athena-client";
import { AthenaQueryError, queryRows, runQuery, type QueryProgress } from "../../lib/history/athena-query";
import { awsCli } from "../pipeline/support/aws-cli";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("Athena calls against moto", motoSkipReason());
const WORKGROUP = "dr-ddb-history";
const DATABASE = "dr_ddb_history";
const FAKE_ENV = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_REGION: "us-east-1" };

describe.skipIf(skip)("Athena calls (moto)", () => {
  let moto: Moto;
  let api: AthenaApi;

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    Object.assign(process.env, FAKE_ENV);
    api = athenaClient({ region: "us-east-1", endpoint: moto.endpoint });
    await awsCli(moto.env(), moto.endpoint, [
      "athena",
      "create-work-group",
      "--name",
      WORKGROUP,
      "--configuration",
      "ResultConfiguration={OutputLocation=s3://bucket/athena-results/},EnforceWorkGroupConfiguration=true",
      "--region",
      "us-east-1",
    ]);
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("starts the query in the workgroup with the database as context and polls it to SUCCEEDED", async () => {
    const seen: QueryProgress[] = [];
    const sql = "SELECT line FROM change_lines WHERE table_name = 'UsersTable'";
    const out = await runQuery(api, sql, {
      workgroup: WORKGROUP,
      database: DATABASE,
      pollMs: 1,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.at(-1)?.state).toBe("SUCCEEDED");
    expect(seen.every((p) => p.queryExecutionId === out.queryExecutionId)).toBe(true);
    const got = await awsCli<{ QueryExecution: Record<string, unknown> }>(moto.env(), moto.endpoint, [
      "athena",
      "get-query-execution",
      "--query-execution-id",
      out.queryExecutionId,
      "--region",
      "us-east-1",
    ]);
    expect(got.QueryExecution).toMatchObject({
      Query: sql,
      WorkGroup: WORKGROUP,
      QueryExecutionContext: { Database: DATABASE },
      Status: { State: "SUCCEEDED" },
    });
  });

  it("reads the rows of a finished query", async () => {
    const results = {
      results: [
        {
          rows: [
            { Data: [{ VarCharValue: "file" }, { VarCharValue: "n" }] },
            { Data: [{ VarCharValue: "s3://b/k" }, { VarCharValue: "3" }] },
          ],
          column_info: [],
        },
      ],
    };
    const res = await fetch(`${moto.endpoint}/moto-api/static/athena/query-results`, {
      method: "POST",
      body: JSON.stringify(results),
    });
    expect(res.status).toBe(201);
    const out = await runQuery(api, "SELECT 1", { workgroup: WORKGROUP, database: DATABASE, pollMs: 1 });
    expect(await queryRows(api, out.queryExecutionId)).toEqual([
      ["file", "n"],
      ["s3://b/k", "3"],
    ]);
  });

  it("maps an error Athena answers with to an AWS error naming the call", async () => {
    const err = await api.getQueryExecution({ QueryExecutionId: "no-such-query" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect((err as Error).message).toMatch(/^Athena\.GetQueryExecution: /);
  });
});

/** A fake of the three calls that reports the given executions in turn (FAILED and CANCELLED: moto cannot). */
function fakeAthena(states: QueryExecution[]): AthenaApi {
  let i = 0;
  return {
    startQueryExecution: () => Promise.resolve({ QueryExecutionId: "q-1" }),
    getQueryExecution: () => Promise.resolve({ QueryExecution: states[Math.min(i++, states.length - 1)] }),
    getQueryResults: () => Promise.resolve({}),
  };
}

describe("Athena failure states (fake: moto only ever succeeds)", () => {
  const opts = { workgroup: WORKGROUP, database: DATABASE, pollMs: 0, sleep: () => Promise.resolve() };

  it("a query stopped by the bytes-scanned limit says which input to raise", async () => {
    const api = fakeAthena([
      { Status: { State: "RUNNING" }, Statistics: { DataScannedInBytes: 5 } },
      {
        Status: {
          State: "FAILED",
          StateChangeReason: "Query exhausted resources: bytes scanned limit was exceeded (BytesScannedCutoffPerQuery)",
        },
      },
    ]);
    const err = await runQuery(api, "SELECT 1", opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect((err as Error).message).toBe(
      "Athena query q-1 failed: Query exhausted resources: bytes scanned limit was exceeded (BytesScannedCutoffPerQuery) — the workgroup's bytes-scanned limit stopped it: raise history_queries_bytes_scanned_cutoff in the module, or rebuild from a newer full export",
    );
  });

  it("a missing table says to turn the history queries on", async () => {
    const api = fakeAthena([
      {
        Status: {
          State: "FAILED",
          AthenaError: { ErrorMessage: "TABLE_NOT_FOUND: Table 'x.change_lines' does not exist" },
        },
      },
    ]);
    await expect(runQuery(api, "SELECT 1", opts)).rejects.toThrow(
      "Athena query q-1 failed: TABLE_NOT_FOUND: Table 'x.change_lines' does not exist — the history tables are missing: set enable_history_queries = true in the module and apply, and give --database of that deployment",
    );
  });

  it("a cancelled query is reported as cancelled", async () => {
    const api = fakeAthena([{ Status: { State: "CANCELLED", StateChangeReason: "Query was cancelled by user" } }]);
    await expect(runQuery(api, "SELECT 1", opts)).rejects.toThrow(
      /^Athena query q-1 was cancelled: Query was cancelled by user — /,
    );
  });

  it("a query that never finishes is given up on, saying it keeps running", async () => {
    const api = fakeAthena([{ Status: { State: "RUNNING" } }]);
    const err = await runQuery(api, "SELECT 1", { ...opts, timeoutMs: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PreconditionError);
    expect((err as Error).message).toMatch(/^Athena query q-1 is still RUNNING after 0 minutes; it keeps running/);
  });

  it("no region is a usage error naming AWS_REGION", () => {
    expect(() => athenaClient({}, {})).toThrow(UsageError);
    expect(() => athenaClient({}, {})).toThrow(
      "--engine athena: no AWS region; set AWS_REGION (the region of the backup bucket)",
    );
  });
});
