/**
 * Lambda: plans an export (or restore drill) execution — one job per table. See lib/pipeline/plan.ts.
 */
import { s3Client } from "../lib/aws";
import { createLogger } from "../lib/logger";
import { MAX_SCAN_SEGMENTS } from "../lib/pipeline/config";
import { requireEnv, requireIntEnv } from "../lib/pipeline/env";
import { planJobs, type Plan, type PlanEvent } from "../lib/pipeline/plan";
import { readPointer } from "../lib/pipeline/pointers";

const log = createLogger({ function: "plan-exports" });

export async function handler(event: PlanEvent): Promise<Plan> {
  const bucket = requireEnv("BACKUP_BUCKET");
  const plan = await planJobs(event, {
    bucket,
    scanSegments: requireIntEnv("SCAN_SEGMENTS", 1, MAX_SCAN_SEGMENTS),
    latestVerified: (table) => readPointer(s3Client(), bucket, table, "latest-verified"),
  });
  log.info("planned", {
    execution: event.executionName,
    mode: plan.mode,
    jobs: plan.jobs.map((j) => ({ table: j.table, method: j.method, exportType: j.exportType, reason: j.reason })),
  });
  return plan;
}
