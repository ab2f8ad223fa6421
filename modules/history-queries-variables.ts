import { TerraformVariable, VariableType } from "cdktf";
import { Construct } from "constructs";
import { DEFAULT_BYTES_SCANNED_CUTOFF, MIN_BYTES_SCANNED_CUTOFF } from "../lib/history/athena-tables";
import { moduleVariable as variable } from "../lib/synth/terraform-variable";

/** Values for the history-queries variables' defaults (the deployable stack fills them from cdktf.json context). */
export interface HistoryQueriesInputValues {
  /** @default false */
  readonly enable_history_queries?: boolean;
  /** @default 1099511627776 (1 TiB) */
  readonly history_queries_bytes_scanned_cutoff?: number;
}

export interface HistoryQueriesVariablesProps {
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: HistoryQueriesInputValues;
}

/** The inputs of the Athena history queries (modules/history-queries.ts). */
export class HistoryQueriesVariables extends Construct {
  public readonly enableHistoryQueries: TerraformVariable;
  public readonly bytesScannedCutoff: TerraformVariable;

  constructor(scope: Construct, id: string, props: HistoryQueriesVariablesProps) {
    super(scope, id);
    const d = props.defaults ?? {};

    this.enableHistoryQueries = variable(this, "enable_history_queries", {
      nullable: false,
      type: VariableType.BOOL,
      description:
        "Make the backup bucket's history queryable with Amazon Athena: a Glue database with tables over the full exports, the incremental exports and the captured changes (partition projection, no crawlers) and an Athena workgroup whose results are encrypted with the module's key in the backup bucket; `dynamo-dr rebuild --engine athena` runs there. true or false. Needs the export pipeline (its backup bucket). Athena bills the bytes each query scans.",
      default: d.enable_history_queries ?? false,
    });

    this.bytesScannedCutoff = variable(this, "history_queries_bytes_scanned_cutoff", {
      nullable: false,
      type: VariableType.NUMBER,
      description: `The history workgroup cancels any query that scans more than this many bytes (Athena bills about 5 USD per TB scanned): a whole number >= ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum). Default ${DEFAULT_BYTES_SCANNED_CUTOFF} (1 TiB).`,
      default: d.history_queries_bytes_scanned_cutoff ?? DEFAULT_BYTES_SCANNED_CUTOFF,
      validation: [
        {
          condition: `\${var.history_queries_bytes_scanned_cutoff >= ${MIN_BYTES_SCANNED_CUTOFF} && floor(var.history_queries_bytes_scanned_cutoff) == var.history_queries_bytes_scanned_cutoff}`,
          errorMessage: `history_queries_bytes_scanned_cutoff must be a whole number of bytes >= ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum), e.g. ${DEFAULT_BYTES_SCANNED_CUTOFF} for 1 TiB.`,
        },
      ],
    });
  }
}
