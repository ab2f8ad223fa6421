/**
 * Runs one Athena query in the history workgroup and waits for it, with @aws-sdk/client-athena: StartQueryExecution,
 * then GetQueryExecution every `pollMs` (progress: state, bytes scanned, time) until a final state (the SDK has no
 * waiter for Athena queries, so this is a small poll with a named limit). A FAILED or CANCELLED query becomes an error
 * that says what happened and what to do (the bytes-scanned limit, a missing table, access to the bucket or key).
 */
import { randomUUID } from "node:crypto";
import {
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
  paginateGetQueryResults,
  type AthenaClient,
  type QueryExecution,
  type QueryExecutionState,
} from "@aws-sdk/client-athena";
import { AwsError, PreconditionError } from "../errors";

export const DEFAULT_POLL_MS = 2_000;
/** A rebuild query gives up waiting after this long (Athena's own DML timeout is 30 minutes by default). */
export const DEFAULT_QUERY_TIMEOUT_MS = 60 * 60 * 1000;
const FINAL: readonly QueryExecutionState[] = ["SUCCEEDED", "FAILED", "CANCELLED"];

export interface QueryProgress {
  readonly queryExecutionId: string;
  readonly state: QueryExecutionState;
  readonly dataScannedBytes: number;
  readonly elapsedMs: number;
}

export interface RunQueryOptions {
  readonly workgroup: string;
  readonly database: string;
  /** @default DEFAULT_POLL_MS */
  readonly pollMs?: number;
  /** @default DEFAULT_QUERY_TIMEOUT_MS */
  readonly timeoutMs?: number;
  readonly onProgress?: (p: QueryProgress) => void;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface QueryOutcome {
  readonly queryExecutionId: string;
  readonly dataScannedBytes: number;
  readonly outputLocation: string | undefined;
}

/** Athena's failure of a query, with the reason it gave and what to do. */
export class AthenaQueryError extends AwsError {}

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What to do about a failed or cancelled query, from Athena's reason text. */
export function failureAdvice(reason: string): string {
  if (/bytes scanned|BytesScannedCutoff|data scanned limit/i.test(reason)) {
    return "the workgroup's bytes-scanned limit stopped it: raise history_queries_bytes_scanned_cutoff in the module, or rebuild from a newer full export";
  }
  if (/TABLE_NOT_FOUND|SCHEMA_NOT_FOUND|does not exist/i.test(reason)) {
    return "the history tables are missing: set enable_history_queries = true in the module and apply, and give --database of that deployment";
  }
  if (/Access ?Denied|KMS|not authorized/i.test(reason)) {
    return "Athena could not read the backup bucket or use its key with your credentials: see the permissions of `dynamo-dr rebuild --engine athena` in the README";
  }
  return "read the reason above; the query text is in the Athena console under the workgroup's history";
}

function failure(exec: QueryExecution, id: string): AthenaQueryError {
  const status = exec.Status ?? {};
  const reason = status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? "no reason given";
  return new AthenaQueryError(
    `Athena query ${id} ${status.State === "CANCELLED" ? "was cancelled" : "failed"}: ${reason} — ${failureAdvice(reason)}`,
  );
}

/** Starts `sql` and waits for its final state; resolves only when it SUCCEEDED. */
export async function runQuery(athena: AthenaClient, sql: string, opts: RunQueryOptions): Promise<QueryOutcome> {
  const started = Date.now();
  const start = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: opts.workgroup,
      QueryExecutionContext: { Database: opts.database },
      ClientRequestToken: randomUUID(),
    }),
  );
  const id = start.QueryExecutionId;
  if (id === undefined) throw new AwsError("Athena.StartQueryExecution returned no QueryExecutionId");
  const sleep = opts.sleep ?? sleepFor;
  for (;;) {
    const exec = (await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution ?? {};
    const state = exec.Status?.State ?? "QUEUED";
    const progress = {
      queryExecutionId: id,
      state,
      dataScannedBytes: exec.Statistics?.DataScannedInBytes ?? 0,
      elapsedMs: Date.now() - started,
    };
    opts.onProgress?.(progress);
    if (state === "SUCCEEDED") {
      return {
        queryExecutionId: id,
        dataScannedBytes: progress.dataScannedBytes,
        outputLocation: exec.ResultConfiguration?.OutputLocation,
      };
    }
    if (FINAL.includes(state)) throw failure(exec, id);
    if (progress.elapsedMs > (opts.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS)) {
      throw new PreconditionError(
        `Athena query ${id} is still ${state} after ${Math.round(progress.elapsedMs / 60000)} minutes; it keeps running in the workgroup — look it up in the Athena console, or run the rebuild again later`,
      );
    }
    await sleep(opts.pollMs ?? DEFAULT_POLL_MS);
  }
}

/** Every row of a finished query's results (the header row included, as Athena returns it), with the SDK's paginator. */
export async function queryRows(athena: AthenaClient, queryExecutionId: string): Promise<(string | null)[][]> {
  const rows: (string | null)[][] = [];
  for await (const page of paginateGetQueryResults({ client: athena }, { QueryExecutionId: queryExecutionId })) {
    for (const r of page.ResultSet?.Rows ?? []) rows.push((r.Data ?? []).map((d) => d.VarCharValue ?? null));
  }
  return rows;
}
