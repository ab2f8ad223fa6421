import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { RestoreTestingInputValues, restoreTestingInputs } from "../lib/module-inputs/restore-testing-inputs";
import { declareVariables } from "../lib/synth/terraform-variable";

export { type RestoreTestingInputValues } from "../lib/module-inputs/restore-testing-inputs";

export interface RestoreTestingVariablesProps {
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: RestoreTestingInputValues;
}

/**
 * The inputs of restore testing (modules/restore-testing.ts), declared from the table in
 * lib/module-inputs/restore-testing-inputs.ts.
 */
export class RestoreTestingVariables extends Construct {
  public readonly enableRestoreTesting: TerraformVariable;
  public readonly restoreTestingSchedule: TerraformVariable;
  public readonly restoreTestingValidationWindowHours: TerraformVariable;
  public readonly restoreTestingSampleSize: TerraformVariable;

  constructor(scope: Construct, id: string, props: RestoreTestingVariablesProps = {}) {
    super(scope, id);
    const v = declareVariables(this, restoreTestingInputs(), props.defaults);
    this.enableRestoreTesting = v.enable_restore_testing;
    this.restoreTestingSchedule = v.restore_testing_schedule;
    this.restoreTestingValidationWindowHours = v.restore_testing_validation_window_hours;
    this.restoreTestingSampleSize = v.restore_testing_sample_size;
  }
}
