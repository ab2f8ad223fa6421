/**
 * The inputs of the Athena history queries (declared by modules/history-queries-variables.ts): one row per Terraform
 * variable. Imports lib/pipeline/athena-tables.ts for its limits.
 */
import { DEFAULT_BYTES_SCANNED_CUTOFF, MIN_BYTES_SCANNED_CUTOFF } from "../pipeline/athena-tables";
import { ModuleInput, tf } from "./types";

export const DEFAULT_ENABLE_HISTORY_QUERIES = false;

/** Values for the history-queries inputs (the deployable stack's `deploy.inputs`; they become the variables' defaults). */
export interface HistoryQueriesInputValues {
  /** @default false */
  readonly enable_history_queries?: boolean;
  /** @default 1099511627776 */
  readonly history_queries_bytes_scanned_cutoff?: number;
}

export type HistoryQueriesInputName = keyof HistoryQueriesInputValues;

const ROWS: readonly ModuleInput<HistoryQueriesInputName>[] = [
  {
    name: "enable_history_queries",
    type: tf.bool,
    description:
      "Make the backup bucket's history queryable with Amazon Athena: a Glue database with tables over the full exports, the incremental exports and the captured changes (partition projection, no crawlers) and an Athena workgroup whose results are encrypted with the module's key in the backup bucket; `dynamo-dr rebuild --engine athena` runs there. true or false. Needs the export pipeline (its backup bucket). Athena bills the bytes each query scans.",
    default: DEFAULT_ENABLE_HISTORY_QUERIES,
    nullable: false,
  },
  {
    name: "history_queries_bytes_scanned_cutoff",
    type: tf.number,
    description: `The history workgroup cancels any query that scans more than this many bytes (Athena bills about 5 USD per TB scanned): a whole number >= ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum). Default ${DEFAULT_BYTES_SCANNED_CUTOFF} (1 TiB).`,
    default: DEFAULT_BYTES_SCANNED_CUTOFF,
    nullable: false,
    validation: [
      {
        condition: `\${var.history_queries_bytes_scanned_cutoff >= ${MIN_BYTES_SCANNED_CUTOFF} && floor(var.history_queries_bytes_scanned_cutoff) == var.history_queries_bytes_scanned_cutoff}`,
        errorMessage: `history_queries_bytes_scanned_cutoff must be a whole number of bytes >= ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum), e.g. ${DEFAULT_BYTES_SCANNED_CUTOFF} for 1 TiB.`,
      },
    ],
  },
];

/** The history-queries inputs, in declaration order (they do not depend on the catalog). */
export function historyQueriesInputs(): readonly ModuleInput<HistoryQueriesInputName>[] {
  return ROWS;
}
