/**
 * The rebuild's Athena calls (@aws-sdk/client-athena) against moto_server, which accepts queries and moves them
 * QUEUED → RUNNING → SUCCEEDED but never runs them: the query is accepted in the history workgroup with the database as
 * context, polling reports progress until SUCCEEDED, results are read page by page (the SDK's paginator). The final
 * states moto cannot produce (FAILED, CANCELLED, a query that never finishes) are made by a middleware on the same
 * client that rewrites moto's real GetQueryExecution answer, so every call still goes to moto.
 */
import { AthenaClient, GetQueryExecutionCommand, type QueryExecution } from "@aws-sdk/client-athena";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_OPERATION_PROPERTY, annotateErrors } from "../../lib/aws";
import { PreconditionError } from "../../lib/errors";
import { AthenaQueryError, queryRows, runQuery, type QueryProgress } from "../../lib/history/athena-query";
import { awsCli } from "../pipeline/support/aws-cli";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";
import { rewriteQueryStates } from "./athena-support";

const skip = announceSkip("Athena calls against moto", motoSkipReason());
const WORKGROUP = "dr-ddb-history";
const DATABASE = "dr_ddb_history";
const FAKE_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

describe.skipIf(skip)("Athena calls (moto)", () => {
  let moto: Moto;
  let api: AthenaClient;
  const client = (): AthenaClient =>
    new AthenaClient({ region: "us-east-1", endpoint: moto.endpoint, credentials: FAKE_CREDENTIALS, maxAttempts: 2 });

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    api = client();
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
    api?.destroy();
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

  describe("final states moto cannot produce (its GetQueryExecution answer rewritten)", () => {
    const opts = { workgroup: WORKGROUP, database: DATABASE, pollMs: 0, sleep: () => Promise.resolve() };
    const failing = (states: QueryExecution[]): AthenaClient => rewriteQueryStates(client(), states);

    it("a query stopped by the bytes-scanned limit says which input to raise", async () => {
      const c = failing([
        { Status: { State: "RUNNING" }, Statistics: { DataScannedInBytes: 5 } },
        {
          Status: {
            State: "FAILED",
            StateChangeReason:
              "Query exhausted resources: bytes scanned limit was exceeded (BytesScannedCutoffPerQuery)",
          },
        },
      ]);
      const err = await runQuery(c, "SELECT 1", opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AthenaQueryError);
      expect((err as Error).message).toMatch(
        /^Athena query [0-9a-f-]+ failed: Query exhausted resources: bytes scanned limit was exceeded \(BytesScannedCutoffPerQuery\) — the workgroup's bytes-scanned limit stopped it: raise history_queries_bytes_scanned_cutoff in the module, or rebuild from a newer full export$/,
      );
    });

    it("a missing table says to turn the history queries on", async () => {
      const c = failing([
        {
          Status: {
            State: "FAILED",
            AthenaError: { ErrorMessage: "TABLE_NOT_FOUND: Table 'x.change_lines' does not exist" },
          },
        },
      ]);
      await expect(runQuery(c, "SELECT 1", opts)).rejects.toThrow(
        /failed: TABLE_NOT_FOUND: Table 'x.change_lines' does not exist — the history tables are missing: set enable_history_queries = true in the module and apply, and give --database of that deployment$/,
      );
    });

    it("a cancelled query is reported as cancelled", async () => {
      const c = failing([{ Status: { State: "CANCELLED", StateChangeReason: "Query was cancelled by user" } }]);
      await expect(runQuery(c, "SELECT 1", opts)).rejects.toThrow(
        /^Athena query [0-9a-f-]+ was cancelled: Query was cancelled by user — /,
      );
    });

    it("a query that never finishes is given up on, saying it keeps running", async () => {
      const c = failing([{ Status: { State: "RUNNING" } }]);
      const err = await runQuery(c, "SELECT 1", { ...opts, timeoutMs: -1 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PreconditionError);
      expect((err as Error).message).toMatch(
        /^Athena query [0-9a-f-]+ is still RUNNING after 0 minutes; it keeps running/,
      );
    });
  });

  it("an error Athena answers with is the SDK's, marked with the call (lib/aws annotateErrors)", async () => {
    const c = annotateErrors(client());
    const err = await c
      .send(new GetQueryExecutionCommand({ QueryExecutionId: "no-such-query" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Record<string, unknown>)[AWS_OPERATION_PROPERTY]).toBe("Athena.GetQueryExecution");
  });
});
