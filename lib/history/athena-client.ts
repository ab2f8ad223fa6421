/**
 * The three Athena calls the rebuild makes (StartQueryExecution, GetQueryExecution, GetQueryResults), over Athena's
 * JSON protocol, signed with SigV4 by the SDK's own signer and credentials chain.
 *
 * Why not @aws-sdk/client-athena: it is not installed in this project yet (adding it is a lock-file change the lead
 * makes). This file is deliberately tiny and shaped like that client (same input and output field names), so that
 * swapping it for the SDK client is a change of this file only. Settings come from the SDK's standard environment:
 * AWS_REGION (or AWS_DEFAULT_REGION), AWS_ENDPOINT_URL_ATHENA or AWS_ENDPOINT_URL, the usual credential sources.
 */
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsError, UsageError } from "../errors";

export type QueryState = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

export interface StartQueryExecutionInput {
  readonly QueryString: string;
  readonly WorkGroup: string;
  readonly QueryExecutionContext?: { readonly Database?: string; readonly Catalog?: string };
  readonly ClientRequestToken?: string;
}

export interface QueryExecution {
  readonly QueryExecutionId?: string;
  readonly Query?: string;
  readonly WorkGroup?: string;
  readonly Status?: {
    readonly State?: QueryState;
    readonly StateChangeReason?: string;
    readonly AthenaError?: {
      readonly ErrorCategory?: number;
      readonly ErrorType?: number;
      readonly ErrorMessage?: string;
    };
  };
  readonly Statistics?: { readonly DataScannedInBytes?: number; readonly TotalExecutionTimeInMillis?: number };
  readonly ResultConfiguration?: { readonly OutputLocation?: string };
}

export interface ResultRow {
  readonly Data?: readonly { readonly VarCharValue?: string }[];
}

export interface GetQueryResultsOutput {
  readonly ResultSet?: { readonly Rows?: readonly ResultRow[] };
  readonly NextToken?: string;
}

/** What the rebuild needs of Athena (the SDK client's method names and shapes). */
export interface AthenaApi {
  startQueryExecution(input: StartQueryExecutionInput): Promise<{ QueryExecutionId?: string }>;
  getQueryExecution(input: { QueryExecutionId: string }): Promise<{ QueryExecution?: QueryExecution }>;
  getQueryResults(input: { QueryExecutionId: string; NextToken?: string }): Promise<GetQueryResultsOutput>;
}

/** An error Athena answered with (its `__type`, e.g. InvalidRequestException, and message). */
export class AthenaServiceError extends AwsError {
  constructor(
    readonly operation: string,
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`Athena.${operation}: ${code}: ${message}`);
  }
}

class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: string | Uint8Array | undefined;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined || typeof secret === "string"
        ? secret
        : secret instanceof ArrayBuffer
          ? new Uint8Array(secret)
          : new Uint8Array(secret.buffer, secret.byteOffset, secret.byteLength);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", this.secret);
  }
  update(data: string | Uint8Array | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(
      typeof data === "string"
        ? data
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** The JSON object of an answer, or undefined when it is not one (a proxy's HTML page, a truncated body). */
function parseBody(text: string): Record<string, unknown> | undefined {
  if (text === "") return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export interface AthenaClientConfig {
  /** @default AWS_REGION, else AWS_DEFAULT_REGION */
  readonly region?: string;
  /** @default AWS_ENDPOINT_URL_ATHENA, else AWS_ENDPOINT_URL, else https://athena.<region>.amazonaws.com */
  readonly endpoint?: string;
}

/** An Athena client for the three calls (see the file comment). */
export function athenaClient(config: AthenaClientConfig = {}, env: NodeJS.ProcessEnv = process.env): AthenaApi {
  const region = config.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === "") {
    throw new UsageError("--engine athena: no AWS region; set AWS_REGION (the region of the backup bucket)");
  }
  const endpoint = config.endpoint ?? env.AWS_ENDPOINT_URL_ATHENA ?? env.AWS_ENDPOINT_URL;
  const url = new URL(endpoint ?? `https://athena.${region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: "athena",
    region,
    credentials: defaultProvider(),
    sha256: NodeSha256,
  });
  const call = async <T>(operation: string, input: object): Promise<T> => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === "" ? undefined : Number(url.port),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AmazonAthena.${operation}`,
      },
      body,
    });
    const res = await fetch(url, { method: "POST", headers: signed.headers, body });
    const text = await res.text();
    const parsed = parseBody(text);
    if (!res.ok || parsed === undefined) {
      if (parsed === undefined) {
        throw new AthenaServiceError(
          operation,
          `HTTP ${res.status}`,
          `not a JSON answer: ${text.slice(0, 200)}`,
          res.status,
        );
      }
      const code = String(parsed.__type ?? `HTTP ${res.status}`).replace(/^.*#/, "");
      throw new AthenaServiceError(operation, code, String(parsed.message ?? parsed.Message ?? text), res.status);
    }
    return parsed as T;
  };
  return {
    startQueryExecution: (input) => call("StartQueryExecution", input),
    getQueryExecution: (input) => call("GetQueryExecution", input),
    getQueryResults: (input) => call("GetQueryResults", input),
  };
}
