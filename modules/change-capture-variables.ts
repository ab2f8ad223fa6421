import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { ChangeCaptureInputValues, changeCaptureInputs } from "../lib/module-inputs/change-capture-inputs";
import { declareVariables } from "../lib/synth/terraform-variable";

export {
  CAPTURE_STREAM_VIEW_TYPE,
  DEFAULT_CAPTURE_BATCH_SIZE,
  DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS,
  DEFAULT_MAX_CAPTURE_LAG_MINUTES,
  capturableTables,
  type ChangeCaptureInputValues,
} from "../lib/module-inputs/change-capture-inputs";

export interface ChangeCaptureVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: ChangeCaptureInputValues;
}

/**
 * The inputs of change capture (modules/change-capture.ts), declared from the table in
 * lib/module-inputs/change-capture-inputs.ts.
 */
export class ChangeCaptureVariables extends Construct {
  public readonly changeCaptureTables: TerraformVariable;
  public readonly maxCaptureLagMinutes: TerraformVariable;
  public readonly captureBatchSize: TerraformVariable;
  public readonly captureBatchingWindowSeconds: TerraformVariable;

  constructor(scope: Construct, id: string, props: ChangeCaptureVariablesProps) {
    super(scope, id);
    const v = declareVariables(this, changeCaptureInputs(props.catalog), props.defaults);
    this.changeCaptureTables = v.change_capture_tables;
    this.maxCaptureLagMinutes = v.max_capture_lag_minutes;
    this.captureBatchSize = v.capture_batch_size;
    this.captureBatchingWindowSeconds = v.capture_batching_window_seconds;
  }
}
