/**
 * The inputs of change capture (declared by modules/change-capture-variables.ts): one row per Terraform variable.
 * Imports lib/catalog.ts, lib/hcl.ts and the shared validations.
 */
import { TableCatalog, streamViewTypeOf, tableNames } from "../catalog";
import { hclString } from "../hcl";
import { ModuleInput, Validation, tf } from "./types";
import { catalogNames } from "./validations";

/** Change capture reads the table's stream, which must carry both images of every change. */
export const CAPTURE_STREAM_VIEW_TYPE = "NEW_AND_OLD_IMAGES";
/** A DynamoDB stream keeps records for 24 hours: a capture further behind than that has lost changes. */
export const STREAM_RETENTION_MINUTES = 24 * 60;
export const DEFAULT_MAX_CAPTURE_LAG_MINUTES = 60;
/** Lambda reads at most 10,000 records per batch from a DynamoDB stream. */
export const CAPTURE_MAX_BATCH_SIZE = 10_000;
export const DEFAULT_CAPTURE_BATCH_SIZE = 1000;
/** Lambda waits at most 300 seconds to fill a batch. */
export const CAPTURE_MAX_BATCHING_WINDOW_SECONDS = 300;
export const DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS = 60;

/** Values for the change-capture inputs (the deployable stack's `deploy.inputs`; they become the variables' defaults). */
export interface ChangeCaptureInputValues {
  /** @default [] (no capture) */
  readonly change_capture_tables?: readonly string[];
  /** @default 60 ({@link DEFAULT_MAX_CAPTURE_LAG_MINUTES}) */
  readonly max_capture_lag_minutes?: number;
  /** @default 1000 ({@link DEFAULT_CAPTURE_BATCH_SIZE}) */
  readonly capture_batch_size?: number;
  /** @default 60 ({@link DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS}) */
  readonly capture_batching_window_seconds?: number;
}

export type ChangeCaptureInputName = keyof ChangeCaptureInputValues;

/** Catalog names of the tables whose stream change capture can read (a NEW_AND_OLD_IMAGES stream). */
export function capturableTables(catalog: TableCatalog): string[] {
  return catalog.tables.filter((t) => streamViewTypeOf(t) === CAPTURE_STREAM_VIEW_TYPE).map((t) => t.name);
}

/** What each catalog table that cannot be captured has instead: "no stream" or "a KEYS_ONLY stream". */
function streamProblems(catalog: TableCatalog): Record<string, string> {
  return Object.fromEntries(
    catalog.tables
      .filter((t) => streamViewTypeOf(t) !== CAPTURE_STREAM_VIEW_TYPE)
      .map((t) => {
        const view = streamViewTypeOf(t);
        return [t.name, view === null ? "no stream" : `a ${view} stream`];
      }),
  );
}

/** The capturable tables as text, or why there is none. */
function validText(catalog: TableCatalog): string {
  const valid = capturableTables(catalog);
  return valid.length > 0 ? valid.join(", ") : `none (no catalog table has a ${CAPTURE_STREAM_VIEW_TYPE} stream)`;
}

/** Names the listed tables without a NEW_AND_OLD_IMAGES stream (unknown names are the other rule's). */
function streamRule(catalog: TableCatalog): Validation {
  const problems = `{ ${Object.entries(streamProblems(catalog))
    .map(([name, problem]) => `${hclString(name)} = ${hclString(problem)}`)
    .join(", ")} }`;
  const offending = `[for t in var.change_capture_tables : "\${t} has \${lookup(${problems}, t, "")}" if contains(keys(${problems}), t)]`;
  return {
    condition: `\${length(${offending}) == 0}`,
    errorMessage: `change_capture_tables: \${join("; ", ${offending})}, but change capture reads a ${CAPTURE_STREAM_VIEW_TYPE} stream. Set streamViewType to "${CAPTURE_STREAM_VIEW_TYPE}" for that table in the table catalog (or leave it out: that is the default) and synthesize the module again, or remove the table from change_capture_tables.`,
  };
}

/** `var.<name>` is a whole number from min to max, with the reason for the limit. */
function wholeRangeBecause(name: string, min: number, max: number, because: string): Validation {
  return {
    condition: `\${var.${name} >= ${min} && var.${name} <= ${max} && floor(var.${name}) == var.${name}}`,
    errorMessage: `${name} must be a whole number from ${min} to ${max} (${because}).`,
  };
}

/** One row per variable, in declaration order. */
export function changeCaptureInputs(catalog: TableCatalog): readonly ModuleInput<ChangeCaptureInputName>[] {
  return [
    {
      name: "change_capture_tables",
      type: tf.list(tf.string),
      description: `Catalog names of the tables whose every change is captured into the backup bucket (changes/<TableName>/…) from the table's ${CAPTURE_STREAM_VIEW_TYPE} stream; [] turns change capture off. Needs the export pipeline (enable_export_pipeline = true, exporting at least one table), whose bucket, key and alarm topic it uses. Valid values: ${validText(catalog)}.`,
      default: [],
      nullable: false,
      validation: [catalogNames("change_capture_tables", tableNames(catalog), false), streamRule(catalog)],
    },
    {
      name: "max_capture_lag_minutes",
      type: tf.number,
      description: `Minutes the capture may fall behind its streams (Lambda's IteratorAge) before the <prefix>-capture-iterator-age alarm fires: a whole number from 1 to ${STREAM_RETENTION_MINUTES} (a stream keeps records for 24 hours; changes older than that are lost).`,
      default: DEFAULT_MAX_CAPTURE_LAG_MINUTES,
      nullable: false,
      validation: [
        wholeRangeBecause(
          "max_capture_lag_minutes",
          1,
          STREAM_RETENTION_MINUTES,
          "a DynamoDB stream keeps records for 24 hours, so a larger lag means lost changes",
        ),
      ],
    },
    {
      name: "capture_batch_size",
      type: tf.number,
      description: `Most stream records the capture function receives per invocation (one S3 object per batch): a whole number from 1 to ${CAPTURE_MAX_BATCH_SIZE}. Larger batches make fewer, larger objects.`,
      default: DEFAULT_CAPTURE_BATCH_SIZE,
      nullable: false,
      validation: [
        wholeRangeBecause("capture_batch_size", 1, CAPTURE_MAX_BATCH_SIZE, "Lambda's limit for DynamoDB streams"),
      ],
    },
    {
      name: "capture_batching_window_seconds",
      type: tf.number,
      description: `Seconds Lambda gathers stream records before invoking the capture function (unless capture_batch_size is reached first): a whole number from 0 to ${CAPTURE_MAX_BATCHING_WINDOW_SECONDS}. Longer windows make fewer, larger objects and add that much delay to the capture.`,
      default: DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS,
      nullable: false,
      validation: [
        wholeRangeBecause("capture_batching_window_seconds", 0, CAPTURE_MAX_BATCHING_WINDOW_SECONDS, "Lambda's limit"),
      ],
    },
  ];
}
