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

/** Builds the jobs of one execution. */
export async function planJobs(event: PlanEvent, settings: PlanSettings): Promise<Plan> {
  if (event.config === undefined || !Array.isArray(event.config.tables)) {
    invalid("the plan step got no table configuration ($.config.tables); the state machine definition is damaged");
  }
  const { mode, tables } = parseExecutionInput(event.input, event.config, event.purpose);
  const now = new Date(event.startTime);
  if (Number.isNaN(now.getTime())) invalid(`startTime ${JSON.stringify(event.startTime)} is not an ISO 8601 time`);
  const base = (t: TableConfig) => ({
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
    segments: [] as number[],
    totalSegments: 0,
    skipReason: null,
  });

  if (event.purpose === "DRILL") {
    return {
      mode: "DRILL",
      jobs: tables.map((t) => ({
        ...base(t),
        method: "DRILL",
        exportType: "FULL_EXPORT",
        reason: "restore drill of the latest verified full export",
      })),
    };
  }

  const jobs: ExportJob[] = [];
  for (const t of tables) {
    if (!t.pitr) {
      if (mode === "INCREMENTAL") {
        jobs.push({
          ...base(t),
          method: "SKIP",
          exportType: "INCREMENTAL_EXPORT",
          skipReason:
            "no point-in-time recovery: incremental exports need PITR; this table is exported by scan on the full schedule",
          reason: "incremental run",
        });
        continue;
      }
      const segments = Array.from({ length: settings.scanSegments }, (_, i) => i);
      jobs.push({
        ...base(t),
        method: "SCAN",
        exportType: "FULL_EXPORT",
        exportId: newExportId(now),
        exportTime: now.toISOString(),
        segments,
        totalSegments: segments.length,
        reason: "no point-in-time recovery: parallel scan into the export format",
      });
      continue;
    }
    if (mode === "FULL") {
      jobs.push({ ...base(t), method: "NATIVE", exportType: "FULL_EXPORT", reason: "scheduled full export" });
      continue;
    }
    const last = await settings.latestVerified(t.table);
    if (last === undefined) {
      jobs.push({
        ...base(t),
        method: "NATIVE",
        exportType: "FULL_EXPORT",
        reason: "no verified export yet, so an incremental export has nothing to start from: full export instead",
      });
      continue;
    }
    const from = new Date(last.dataTime);
    const minutes = (now.getTime() - from.getTime()) / 60_000;
    if (Number.isNaN(minutes) || minutes > INCREMENTAL_MAX_MINUTES) {
      jobs.push({
        ...base(t),
        method: "NATIVE",
        exportType: "FULL_EXPORT",
        reason: `the last verified export (${last.dataTime}) is more than ${INCREMENTAL_MAX_MINUTES / 60} hours old, beyond an incremental export's window: full export instead`,
      });
    } else if (minutes < INCREMENTAL_MIN_MINUTES) {
      jobs.push({
        ...base(t),
        method: "SKIP",
        exportType: "INCREMENTAL_EXPORT",
        skipReason: `the last verified export (${last.dataTime}) is less than ${INCREMENTAL_MIN_MINUTES} minutes old, below an incremental export's minimum window`,
        reason: "incremental run",
      });
    } else {
      jobs.push({
        ...base(t),
        method: "NATIVE",
        exportType: "INCREMENTAL_EXPORT",
        exportFromTime: from.toISOString(),
        exportToTime: now.toISOString(),
        reason: `incremental export since the last verified export (${last.dataTime})`,
      });
    }
  }
  return { mode, jobs };
}
