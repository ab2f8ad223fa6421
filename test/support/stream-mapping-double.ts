/**
 * TEST DOUBLE of the AWS Lambda service's event source mappings for DynamoDB streams — for `rehearse --target aws`
 * run against moto, which creates functions but never invokes them (the rehearsal proxy keeps the mappings). Every
 * `pollMs` it lists the mappings, and for each enabled mapping of a DynamoDB stream it reads the function's deployed
 * environment and delivers the stream's new records (after each shard's checkpoint) to the capture handler in this
 * process, in Lambda's event shape (lib/rehearse/stream-pump.ts): what Lambda does with the deployed function in AWS.
 * Loopback only; nothing here is used outside tests.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { S3Client } from "@aws-sdk/client-s3";
import { captureSettings } from "../../lib/capture/env";
import { tableOfStreamArn } from "../../lib/capture/records";
import { pumpStream, type Delivered } from "../../lib/rehearse/stream-pump";

const REGION = "us-east-1";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

interface Mapping {
  readonly UUID: string;
  readonly EventSourceArn?: string;
  readonly FunctionArn: string;
  readonly State?: string;
}

export interface StreamMappingDouble {
  /** Records delivered to the handler so far. */
  readonly delivered: () => number;
  /** Errors of deliveries (a failed batch is retried on the next poll, as Lambda retries). */
  readonly errors: string[];
  stop(): Promise<void>;
}

/**
 * moto routes a request by the service in its Authorization header's credential scope (it does not check the
 * signature): a Lambda API call without the SDK needs only that.
 */
export const MOTO_LAMBDA_HEADERS = {
  authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${REGION}/lambda/aws4_request, SignedHeaders=host, Signature=0`,
};

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: MOTO_LAMBDA_HEADERS });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export function startStreamMappingDouble(endpoint: string, pollMs = 1_000): StreamMappingDouble {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 2 };
  const ddb = new DynamoDBClient(config);
  const streams = new DynamoDBStreamsClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const checkpoints = new Map<string, Delivered>();
  const errors: string[] = [];
  let records = 0;
  let stopped = false;

  const deliver = async (m: Mapping): Promise<void> => {
    const fn = m.FunctionArn.split(":").pop() as string;
    const conf = await getJson<{ Environment?: { Variables?: Record<string, string> } }>(
      `${endpoint}/2015-03-31/functions/${encodeURIComponent(fn)}/configuration`,
    );
    const settings = captureSettings(conf.Environment?.Variables ?? {});
    const delivered = checkpoints.get(m.UUID) ?? new Map<string, string>();
    checkpoints.set(m.UUID, delivered);
    const table = tableOfStreamArn(m.EventSourceArn as string);
    const r = await pumpStream({ ddb, streams, s3, settings, table, region: REGION }, delivered);
    records += r.records;
  };
  const poll = async (): Promise<void> => {
    const { EventSourceMappings: all = [] } = await getJson<{ EventSourceMappings?: Mapping[] }>(
      `${endpoint}/2015-03-31/event-source-mappings/`,
    );
    for (const m of all) {
      if (m.State === "Disabled" || !/:dynamodb:.*\/stream\//.test(m.EventSourceArn ?? "")) continue;
      await deliver(m).catch((err: Error) => {
        // A deleted table's mapping delivers nothing more (the teardown deletes tables before terraform destroy).
        if (err.name !== "ResourceNotFoundException") errors.push(`${m.UUID}: ${err.message}`);
      });
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await poll().catch((err: Error) => errors.push(err.message));
      await new Promise((r) => setTimeout(r, pollMs));
    }
  })();
  return {
    delivered: () => records,
    errors,
    async stop() {
      stopped = true;
      await loop;
      for (const c of [ddb, streams, s3]) c.destroy();
    },
  };
}
