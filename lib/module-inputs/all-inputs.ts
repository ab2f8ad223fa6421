/**
 * Every input of the data-persistence module, from the declarative tables, and the type of their values.
 * Imports the input tables only.
 */
import type { TableCatalog } from "../catalog";
import { BackupPlanInputValues, backupPlanInputs } from "./backup-plan-inputs";
import { ChangeCaptureInputValues, changeCaptureInputs } from "./change-capture-inputs";
import { ExportPipelineInputValues, exportPipelineInputs } from "./export-pipeline-inputs";
import { RestoreTestingInputValues, restoreTestingInputs } from "./restore-testing-inputs";
import { HistoryQueriesInputValues, historyQueriesInputs } from "./history-queries-inputs";
import { DataPersistenceInputValues, dataPersistenceInputs } from "./table-inputs";
import type { ModuleInput } from "./types";

/** Values for every module input, by Terraform variable name (the deployable stack's `deploy.inputs`). */
export type DataPersistenceModuleInputs = DataPersistenceInputValues &
  ExportPipelineInputValues &
  BackupPlanInputValues &
  ChangeCaptureInputValues &
  RestoreTestingInputValues &
  HistoryQueriesInputValues;

/** Every module input, in declaration order. */
export function moduleInputs(catalog: TableCatalog): readonly ModuleInput<keyof DataPersistenceModuleInputs>[] {
  return [
    ...dataPersistenceInputs(catalog),
    ...exportPipelineInputs(catalog),
    ...backupPlanInputs(catalog),
    ...changeCaptureInputs(catalog),
    ...restoreTestingInputs(),
    ...historyQueriesInputs(),
  ];
}
