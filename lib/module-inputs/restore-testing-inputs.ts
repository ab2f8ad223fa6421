/**
 * The inputs of restore testing (declared by modules/restore-testing-variables.ts): one row per Terraform variable.
 * Imports lib/hcl.ts, the restore-testing constants and the backup plan's cron rule.
 */
import { hclString } from "../hcl";
import {
  DEFAULT_RESTORE_TEST_SAMPLE_SIZE,
  DEFAULT_RESTORE_TESTING_SCHEDULE,
  DEFAULT_VALIDATION_WINDOW_HOURS,
  MAX_RESTORE_TEST_SAMPLE_SIZE,
  MAX_VALIDATION_WINDOW_HOURS,
  MIN_VALIDATION_WINDOW_HOURS,
} from "../restore-testing/config";
import { BACKUP_CRON_REGEX } from "./backup-plan-inputs";
import { ModuleInput, tf } from "./types";
import { wholeRange } from "./validations";

export const DEFAULT_ENABLE_RESTORE_TESTING = false;

/** Values for the restore-testing inputs (the deployable stack's `deploy.inputs`; they become the variables' defaults). */
export interface RestoreTestingInputValues {
  /** @default false */
  readonly enable_restore_testing?: boolean;
  /** @default "cron(0 7 ? * WED *)" */
  readonly restore_testing_schedule?: string;
  /** @default 4 */
  readonly restore_testing_validation_window_hours?: number;
  /** @default 25 */
  readonly restore_testing_sample_size?: number;
}

export type RestoreTestingInputName = keyof RestoreTestingInputValues;

/** One row per variable, in declaration order. */
const ROWS: readonly ModuleInput<RestoreTestingInputName>[] = [
  {
    name: "enable_restore_testing",
    type: tf.bool,
    description:
      "Test the AWS Backup recovery points on a schedule: an AWS Backup restore testing plan restores the newest recovery point of every backed-up table, and a Lambda compares each restored table with the table's latest verified export (item count and a sample of items) and reports the result to AWS Backup; failures alert the alarm topic. Needs enable_backup_plan and enable_export_pipeline. true or false.",
    default: DEFAULT_ENABLE_RESTORE_TESTING,
    nullable: false,
  },
  {
    name: "restore_testing_schedule",
    type: tf.string,
    description: `When AWS Backup runs the restore tests: a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) in UTC. Default: ${DEFAULT_RESTORE_TESTING_SCHEDULE}, Wednesdays at 07:00 UTC.`,
    default: DEFAULT_RESTORE_TESTING_SCHEDULE,
    nullable: false,
    validation: [
      {
        condition: `\${can(regex(${hclString(BACKUP_CRON_REGEX)}, var.restore_testing_schedule))}`,
        errorMessage:
          "restore_testing_schedule must be a six-field cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), e.g. cron(0 7 ? * WED *).",
      },
    ],
  },
  {
    name: "restore_testing_validation_window_hours",
    type: tf.number,
    description: `Hours a restored table is kept for validation before AWS Backup deletes it: a whole number from ${MIN_VALIDATION_WINDOW_HOURS} to ${MAX_VALIDATION_WINDOW_HOURS}.`,
    default: DEFAULT_VALIDATION_WINDOW_HOURS,
    nullable: false,
    validation: [
      wholeRange("restore_testing_validation_window_hours", MIN_VALIDATION_WINDOW_HOURS, MAX_VALIDATION_WINDOW_HOURS),
    ],
  },
  {
    name: "restore_testing_sample_size",
    type: tf.number,
    description: `Items of the latest verified export read back from each restored table and compared attribute by attribute: a whole number from 1 to ${MAX_RESTORE_TEST_SAMPLE_SIZE}.`,
    default: DEFAULT_RESTORE_TEST_SAMPLE_SIZE,
    nullable: false,
    validation: [wholeRange("restore_testing_sample_size", 1, MAX_RESTORE_TEST_SAMPLE_SIZE)],
  },
];

export function restoreTestingInputs(): readonly ModuleInput<RestoreTestingInputName>[] {
  return ROWS;
}
