/**
 * CloudWatch metrics in the embedded metric format (EMF): one JSON log line per emission, which CloudWatch Logs turns
 * into metrics, with no API call and no extra permission. Dimensions: Deployment (the module's prefix) and Table.
 */
import { METRIC, METRICS_NAMESPACE, METRIC_DIMENSIONS } from "./config";

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
export type MetricUnit = "Count" | "Bytes" | "Seconds";

export interface MetricValue {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  readonly value: number;
}

/** The EMF document for some metrics of one table (exported for tests). */
export function emfDocument(
  deployment: string,
  table: string,
  metrics: readonly MetricValue[],
  now: Date = new Date(),
): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [[...METRIC_DIMENSIONS]],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    Deployment: deployment,
    Table: table,
  };
  for (const m of metrics) doc[m.name] = m.value;
  return doc;
}

export type LineWriter = (line: string) => void;
const stdout: LineWriter = (line) => process.stdout.write(`${line}\n`);

/** Writes the metrics as one EMF line (to stdout, which Lambda sends to CloudWatch Logs). */
export function emitMetrics(
  deployment: string,
  table: string,
  metrics: readonly MetricValue[],
  write: LineWriter = stdout,
): void {
  if (metrics.length === 0) return;
  write(JSON.stringify(emfDocument(deployment, table, metrics)));
}
