/**
 * The plan step: turns an execution's input (`{"mode": "FULL" | "INCREMENTAL", "tables"?: […]}`) and the module's
 * table configuration into one job per table: a native export (FULL, or INCREMENTAL since the table's last verified
 * export), a parallel scan (tables without PITR), a skip with its reason, or a restore drill.
 */
import { createHash } from "node:crypto";
import { newExportId } from "../export-format/manifest";
import { INCREMENTAL_MAX_MINUTES, INCREMENTAL_MIN_MINUTES } from "./config";
import { PipelineError } from "./errors";
import { exportPrefix } from "./layout";
import type { PipelineConfig, TableConfig } from "./state-machine";
import { EXPORT_MODES, type ExportJob, type ExportMode, type ExportPointer } from "./types";

export type PlanPurpose = "EXPORT" | "DRILL";

export interface PlanEvent {
  readonly purpose: PlanPurpose;
  /** The execution's input. */
  readonly input: unknown;
  readonly config: PipelineConfig;
  readonly executionName: string;
  /** The execution's start time (ISO 8601). */
  readonly startTime: string;
}

export interface PlanSettings {
  readonly bucket: string;
  readonly scanSegments: number;
  /** The newest verified export of a table (any type), or undefined. */
  readonly latestVerified: (table: string) => Promise<ExportPointer | undefined>;
}

export interface Plan {
  readonly mode: ExportMode | "DRILL";
  readonly jobs: ExportJob[];
}

function invalid(message: string): never {
  throw new PipelineError("InvalidPipelineInput", message);
}

/** Checks the execution input; errors name the field, the value and what is allowed. */
export function parseExecutionInput(
  input: unknown,
  config: PipelineConfig,
  purpose: PlanPurpose,
): { mode: ExportMode; tables: TableConfig[] } {
  const obj = input ?? {};
  if (typeof obj !== "object" || Array.isArray(obj)) {
    invalid(`execution input must be a JSON object such as {"mode": "FULL"}; got ${JSON.stringify(input)}`);
  }
  const raw = obj as { mode?: unknown; tables?: unknown };
  const mode = raw.mode ?? "FULL";
  if (purpose === "EXPORT" && !(EXPORT_MODES as readonly unknown[]).includes(mode)) {
    invalid(`execution input "mode" is ${JSON.stringify(mode)}; allowed: ${EXPORT_MODES.join(", ")}`);
  }
  const known = config.tables.map((t) => t.table);
  let tables = [...config.tables];
  if (raw.tables !== undefined) {
    if (!Array.isArray(raw.tables) || raw.tables.some((t) => typeof t !== "string")) {
      invalid(`execution input "tables" must be a list of catalog table names; got ${JSON.stringify(raw.tables)}`);
    }
    const unknown = (raw.tables as string[]).filter((t) => !known.includes(t));
    if (unknown.length > 0) {
      invalid(
        `execution input "tables" names ${unknown.join(", ")}, which this pipeline does not export. Exported tables: ${known.join(", ")}.`,
      );
    }
    tables = tables.filter((t) => (raw.tables as string[]).includes(t.table));
  }
  return { mode: mode as ExportMode, tables };
}

function token(executionName: string, table: string): string {
  return createHash("sha256").update(`${executionName}\n${table}`).digest("hex").slice(0, 32);
}

type JobBase = Omit<ExportJob, "method" | "exportType" | "reason">;

/** The fields every job of a table starts from (the method-specific ones are overridden). */
function baseJob(t: TableConfig, event: PlanEvent, settings: PlanSettings): JobBase {
  return {
    table: t.table,
    tableName: t.tableName,
    tableArn: t.tableArn,
    bucket: settings.bucket,
    s3Prefix: exportPrefix(t.table),
    clientToken: token(event.executionName, t.table),
    exportFromTime: null,
    exportToTime: null,
    exportId: null,
    exportTime: null,
    segments: [],
    totalSegments: 0,
    skipReason: null,
  };
}

/** Builds the jobs of one execution. */
export async function planJobs(event: PlanEvent, settings: PlanSettings): Promise<Plan> {
  if (event.config === undefined || !Array.isArray(event.config.tables)) {
    invalid("the plan step got no table configuration ($.config.tables); the state machine definition is damaged");
  }
  const { mode, tables } = parseExecutionInput(event.input, event.config, event.purpose);
  const now = new Date(event.startTime);
  if (Number.isNaN(now.getTime())) invalid(`startTime ${JSON.stringify(event.startTime)} is not an ISO 8601 time`);
  if (event.purpose === "DRILL") {
    const reason = "restore drill of the latest verified full export";
    const jobs = tables.map((t): ExportJob => ({
      ...baseJob(t, event, settings),
      method: "DRILL",
      exportType: "FULL_EXPORT",
      reason,
    }));
    return { mode: "DRILL", jobs };
  }
  const jobs: ExportJob[] = [];
  for (const t of tables) {
    const base = baseJob(t, event, settings);
    if (!t.pitr) jobs.push(scanJob(base, mode, now, settings.scanSegments));
    else if (mode === "FULL")
      jobs.push({ ...base, method: "NATIVE", exportType: "FULL_EXPORT", reason: "scheduled full export" });
    else jobs.push(incrementalJob(base, await settings.latestVerified(t.table), now));
  }
  return { mode, jobs };
}

/** A table without PITR: a parallel scan on full runs, skipped on incremental ones. */
function scanJob(base: JobBase, mode: ExportMode, now: Date, scanSegments: number): ExportJob {
  if (mode === "INCREMENTAL") {
    return {
      ...base,
      method: "SKIP",
      exportType: "INCREMENTAL_EXPORT",
      skipReason:
        "no point-in-time recovery: incremental exports need PITR; this table is exported by scan on the full schedule",
      reason: "incremental run",
    };
  }
  const segments = Array.from({ length: scanSegments }, (_, i) => i);
  return {
    ...base,
    method: "SCAN",
    exportType: "FULL_EXPORT",
    exportId: newExportId(now),
    exportTime: now.toISOString(),
    segments,
    totalSegments: segments.length,
    reason: "no point-in-time recovery: parallel scan into the export format",
  };
}

/**
 * An incremental run of a PITR table: an incremental export since the last verified export when the window is within
 * DynamoDB's limits, a full export when there is none or it is too old, a skip when it is too recent.
 */
function incrementalJob(base: JobBase, last: ExportPointer | undefined, now: Date): ExportJob {
  if (last === undefined) {
    return {
      ...base,
      method: "NATIVE",
      exportType: "FULL_EXPORT",
      reason: "no verified export yet, so an incremental export has nothing to start from: full export instead",
    };
  }
  const from = new Date(last.dataTime);
  const minutes = (now.getTime() - from.getTime()) / 60_000;
  if (Number.isNaN(minutes) || minutes > INCREMENTAL_MAX_MINUTES) {
    return {
      ...base,
      method: "NATIVE",
      exportType: "FULL_EXPORT",
      reason: `the last verified export (${last.dataTime}) is more than ${INCREMENTAL_MAX_MINUTES / 60} hours old, beyond an incremental export's window: full export instead`,
    };
  }
  if (minutes < INCREMENTAL_MIN_MINUTES) {
    return {
      ...base,
      method: "SKIP",
      exportType: "INCREMENTAL_EXPORT",
      skipReason: `the last verified export (${last.dataTime}) is less than ${INCREMENTAL_MIN_MINUTES} minutes old, below an incremental export's minimum window`,
      reason: "incremental run",
    };
  }
  return {
    ...base,
    method: "NATIVE",
    exportType: "INCREMENTAL_EXPORT",
    exportFromTime: from.toISOString(),
    exportToTime: now.toISOString(),
    reason: `incremental export since the last verified export (${last.dataTime})`,
  };
}
