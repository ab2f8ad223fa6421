import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { HistoryQueriesInputValues, historyQueriesInputs } from "../lib/module-inputs/history-queries-inputs";
import { declareVariables } from "../lib/synth/terraform-variable";

export { type HistoryQueriesInputValues } from "../lib/module-inputs/history-queries-inputs";

export interface HistoryQueriesVariablesProps {
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: HistoryQueriesInputValues;
}

/**
 * The inputs of the Athena history queries (modules/history-queries.ts), declared from the table in
 * lib/module-inputs/history-queries-inputs.ts.
 */
export class HistoryQueriesVariables extends Construct {
  public readonly enableHistoryQueries: TerraformVariable;
  public readonly bytesScannedCutoff: TerraformVariable;

  constructor(scope: Construct, id: string, props: HistoryQueriesVariablesProps) {
    super(scope, id);
    const v = declareVariables(this, historyQueriesInputs(), props.defaults);
    this.enableHistoryQueries = v.enable_history_queries;
    this.bytesScannedCutoff = v.history_queries_bytes_scanned_cutoff;
  }
}
