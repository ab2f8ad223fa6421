/**
 * Lambda: one step of a restore drill — `start` (ImportTable into a scratch table), `poll`, `compare`, `cleanup`.
 * See lib/pipeline/restore-drill.ts.
 */
import { dynamoClient, s3Client } from "../lib/aws";
import { createLogger } from "../lib/logger";
import { MAX_DRILL_SAMPLE_SIZE } from "../lib/pipeline/config";
import { requireEnv, requireIntEnv } from "../lib/pipeline/env";
import { PipelineError } from "../lib/pipeline/errors";
import {
  cleanUpDrill,
  compareDrill,
  pollDrill,
  startDrill,
  type DrillSettings,
  type DrillState,
} from "../lib/pipeline/restore-drill";
import type { ExportJob } from "../lib/pipeline/types";

const log = createLogger({ function: "restore-drill" });

export interface RestoreDrillEvent {
  readonly action: "start" | "poll" | "compare" | "cleanup";
  readonly job: ExportJob;
  readonly drill?: DrillState;
}

function settings(): DrillSettings {
  return {
    deployment: requireEnv("DEPLOYMENT"),
    scratchTablePrefix: requireEnv("DRILL_TABLE_PREFIX"),
    sampleSize: requireIntEnv("DRILL_SAMPLE_SIZE", 1, MAX_DRILL_SAMPLE_SIZE),
  };
}

function needDrill(event: RestoreDrillEvent): DrillState {
  if (event.drill === undefined)
    throw new PipelineError("InvalidPipelineInput", `${event.action} needs the drill state`);
  return event.drill;
}

export async function handler(event: RestoreDrillEvent): Promise<DrillState | { deleted: string | null }> {
  const { job } = event;
  switch (event.action) {
    case "start": {
      const drill = await startDrill(dynamoClient(), s3Client(), job, settings());
      log.info("import started", {
        table: job.table,
        scratchTable: drill.scratchTableName,
        export: drill.pointer.exportDir,
      });
      return drill;
    }
    case "poll":
      return pollDrill(dynamoClient(), job, needDrill(event));
    case "compare": {
      const drill = await compareDrill(dynamoClient(), s3Client(), job, needDrill(event), settings());
      log.info("restore drill passed", { table: job.table, report: drill.reportKey });
      return drill;
    }
    case "cleanup": {
      const res = await cleanUpDrill(dynamoClient(), event.drill, settings());
      log.info("scratch table deleted", { table: job.table, deleted: res.deleted });
      return res;
    }
    default:
      throw new PipelineError(
        "InvalidPipelineInput",
        `action ${JSON.stringify((event as { action?: unknown }).action)} is not start, poll, compare or cleanup`,
      );
  }
}
