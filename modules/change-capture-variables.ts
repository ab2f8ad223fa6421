import { TerraformVariable, VariableType } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog, streamViewTypeOf, tableNames } from "../lib/catalog";
import { hclList, hclString } from "../lib/hcl";
import { moduleVariable as variable } from "../lib/synth/terraform-variable";

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

/** Values for the change-capture variables' defaults (the deployable stack fills them from cdktf.json context). */
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

export interface ChangeCaptureVariablesProps {
  readonly catalog: TableCatalog;
  /** Overrides for the variables' defaults. @default - the module's own defaults */
  readonly defaults?: ChangeCaptureInputValues;
}

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

/**
 * The inputs that switch and tune change capture (modules/change-capture.ts). Variable names are the module's public
 * interface: `var.<name>` is what consumers set.
 */
export class ChangeCaptureVariables extends Construct {
  public readonly changeCaptureTables: TerraformVariable;
  public readonly maxCaptureLagMinutes: TerraformVariable;
  public readonly captureBatchSize: TerraformVariable;
  public readonly captureBatchingWindowSeconds: TerraformVariable;

  constructor(scope: Construct, id: string, props: ChangeCaptureVariablesProps) {
    super(scope, id);
    const d = props.defaults ?? {};
    this.changeCaptureTables = tablesVariable(this, props.catalog, d.change_capture_tables ?? []);

    this.maxCaptureLagMinutes = variable(this, "max_capture_lag_minutes", {
      nullable: false,
      type: VariableType.NUMBER,
      description: `Minutes the capture may fall behind its streams (Lambda's IteratorAge) before the <prefix>-capture-iterator-age alarm fires: a whole number from 1 to ${STREAM_RETENTION_MINUTES} (a stream keeps records for 24 hours; changes older than that are lost).`,
      default: d.max_capture_lag_minutes ?? DEFAULT_MAX_CAPTURE_LAG_MINUTES,
      validation: [
        {
          condition: wholeRange("max_capture_lag_minutes", 1, STREAM_RETENTION_MINUTES),
          errorMessage: `max_capture_lag_minutes must be a whole number from 1 to ${STREAM_RETENTION_MINUTES} (a DynamoDB stream keeps records for 24 hours, so a larger lag means lost changes).`,
        },
      ],
    });

    this.captureBatchSize = variable(this, "capture_batch_size", {
      nullable: false,
      type: VariableType.NUMBER,
      description: `Most stream records the capture function receives per invocation (one S3 object per batch): a whole number from 1 to ${CAPTURE_MAX_BATCH_SIZE}. Larger batches make fewer, larger objects.`,
      default: d.capture_batch_size ?? DEFAULT_CAPTURE_BATCH_SIZE,
      validation: [
        {
          condition: wholeRange("capture_batch_size", 1, CAPTURE_MAX_BATCH_SIZE),
          errorMessage: `capture_batch_size must be a whole number from 1 to ${CAPTURE_MAX_BATCH_SIZE} (Lambda's limit for DynamoDB streams).`,
        },
      ],
    });

    this.captureBatchingWindowSeconds = variable(this, "capture_batching_window_seconds", {
      nullable: false,
      type: VariableType.NUMBER,
      description: `Seconds Lambda gathers stream records before invoking the capture function (unless capture_batch_size is reached first): a whole number from 0 to ${CAPTURE_MAX_BATCHING_WINDOW_SECONDS}. Longer windows make fewer, larger objects and add that much delay to the capture.`,
      default: d.capture_batching_window_seconds ?? DEFAULT_CAPTURE_BATCHING_WINDOW_SECONDS,
      validation: [
        {
          condition: wholeRange("capture_batching_window_seconds", 0, CAPTURE_MAX_BATCHING_WINDOW_SECONDS),
          errorMessage: `capture_batching_window_seconds must be a whole number from 0 to ${CAPTURE_MAX_BATCHING_WINDOW_SECONDS} (Lambda's limit).`,
        },
      ],
    });
  }
}

/** `change_capture_tables`: catalog names only (the same message as the other table lists), each with a stream. */
function tablesVariable(scope: Construct, catalog: TableCatalog, defaultValue: readonly string[]): TerraformVariable {
  const names = tableNames(catalog);
  const known = hclList(names);
  const knownText = names.join(", ");
  const problems = streamProblems(catalog);
  const problemMap = `{ ${Object.entries(problems)
    .map(([name, problem]) => `${hclString(name)} = ${hclString(problem)}`)
    .join(", ")} }`;
  const v = "var.change_capture_tables";
  // Names the offending tables; unknown names are left to the first rule, so each mistake is reported once.
  const offending = `[for t in ${v} : "\${t} has \${lookup(${problemMap}, t, "")}" if contains(keys(${problemMap}), t)]`;
  return variable(scope, "change_capture_tables", {
    nullable: false,
    type: VariableType.list(VariableType.STRING),
    description: `Catalog names of the tables whose every change is captured into the backup bucket (changes/<TableName>/…) from the table's ${CAPTURE_STREAM_VIEW_TYPE} stream; [] turns change capture off. Needs the export pipeline (enable_export_pipeline = true, exporting at least one table), whose bucket, key and alarm topic it uses. Valid values: ${validText(catalog)}.`,
    default: [...defaultValue],
    validation: [
      {
        condition: `\${alltrue([for t in ${v} : contains(${known}, t)])}`,
        errorMessage: `change_capture_tables may only name catalog tables. Known tables: ${knownText}.`,
      },
      {
        condition: `\${length(${offending}) == 0}`,
        errorMessage: `change_capture_tables: \${join("; ", ${offending})}, but change capture reads a ${CAPTURE_STREAM_VIEW_TYPE} stream. Set streamViewType to "${CAPTURE_STREAM_VIEW_TYPE}" for that table in the table catalog (or leave it out: that is the default) and synthesize the module again, or remove the table from change_capture_tables.`,
      },
    ],
  });
}

/** The capturable tables as text, or why there is none. */
function validText(catalog: TableCatalog): string {
  const valid = capturableTables(catalog);
  return valid.length > 0 ? valid.join(", ") : `none (no catalog table has a ${CAPTURE_STREAM_VIEW_TYPE} stream)`;
}

/** `${…}` condition: `var.<name>` is a whole number from min to max. */
function wholeRange(name: string, min: number, max: number): string {
  return `\${var.${name} >= ${min} && var.${name} <= ${max} && floor(var.${name}) == var.${name}}`;
}
