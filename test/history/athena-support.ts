/**
 * Helpers for the Athena tests. moto accepts every query and reports it SUCCEEDED without running it; the final states
 * it cannot produce are made by rewriting its real GetQueryExecution answers in a middleware on the client, so the calls
 * still go to moto (and a permissions recorder on the same client still sees them).
 */
import type { AthenaClient, GetQueryExecutionOutput, QueryExecution } from "@aws-sdk/client-athena";

interface Stack {
  add(
    mw: (
      next: (args: unknown) => Promise<{ output: unknown }>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<{ output: unknown }>,
    options: { step: "initialize"; name: string },
  ): void;
}

/**
 * From now on each GetQueryExecution answer's Status (and Statistics) is the next of `states` (the last one repeats),
 * the rest of moto's answer (id, query, workgroup) kept. Returns the client.
 */
export function rewriteQueryStates(client: AthenaClient, states: readonly QueryExecution[]): AthenaClient {
  let i = 0;
  (client.middlewareStack as unknown as Stack).add(
    (next, context) => async (args) => {
      const res = await next(args);
      if (context.commandName !== "GetQueryExecutionCommand") return res;
      const out = res.output as GetQueryExecutionOutput;
      const made = states[Math.min(i++, states.length - 1)]!;
      return { ...res, output: { ...out, QueryExecution: { ...out.QueryExecution, ...made } } };
    },
    { step: "initialize", name: "rewriteAthenaQueryStatesForTest" },
  );
  return client;
}
