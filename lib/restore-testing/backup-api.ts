/**
 * The two AWS Backup calls the validation function makes: PutRestoreValidationResult and DescribeRestoreJob.
 * `@aws-sdk/client-backup` is not a dependency of this project; these sign the REST requests with the SDK's own signer
 * and credential chain and take the standard configuration (AWS_REGION, AWS_ENDPOINT_URL_BACKUP, AWS_ENDPOINT_URL).
 * Swap them for the SDK client's commands when that package is added.
 */
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";

export type ValidationStatus = "SUCCESSFUL" | "FAILED";

export interface BackupApi {
  putRestoreValidationResult(restoreJobId: string, status: ValidationStatus, message: string): Promise<void>;
  /** The restore job's source table ARN, as DescribeRestoreJob reports it (undefined when it does not say). */
  sourceResourceArn(restoreJobId: string): Promise<string | undefined>;
}

class Sha256 {
  private readonly h;
  constructor(secret?: unknown) {
    this.h = secret === undefined ? createHash("sha256") : createHmac("sha256", secret as Buffer);
  }
  update(data: Uint8Array | string): void {
    this.h.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

/** An error shaped like the SDK's (`name`, `$metadata`), so logs and alerts read alike. */
class BackupApiError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

export function backupApi(env: NodeJS.ProcessEnv = process.env): BackupApi {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === "") throw new Error("AWS_REGION is not set (Lambda always sets it)");
  const endpoint = new URL(
    env.AWS_ENDPOINT_URL_BACKUP ?? env.AWS_ENDPOINT_URL ?? `https://backup.${region}.amazonaws.com`,
  );
  const signer = new SignatureV4({ service: "backup", region, credentials: defaultProvider(), sha256: Sha256 });
  const call = async (operation: string, method: string, path: string, body?: unknown): Promise<unknown> => {
    const text = body === undefined ? "" : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port === "" ? undefined : Number(endpoint.port),
      path,
      headers: { host: endpoint.host, "content-type": "application/json" },
      body: text,
    });
    const res = await fetch(new URL(path, endpoint), {
      method,
      headers: signed.headers,
      ...(body === undefined ? {} : { body: text }),
    });
    const answer = await res.text();
    if (!res.ok) {
      const parsed = safeJson(answer) as { __type?: string; Message?: string; message?: string } | undefined;
      const name = (parsed?.__type ?? res.headers.get("x-amzn-errortype") ?? `HTTP${res.status}`).split(":")[0] ?? "";
      throw new BackupApiError(
        name,
        `Backup.${operation}: ${parsed?.Message ?? parsed?.message ?? answer}`,
        res.status,
      );
    }
    return answer === "" ? {} : safeJson(answer);
  };
  return {
    async putRestoreValidationResult(restoreJobId, status, message) {
      await call("PutRestoreValidationResult", "PUT", `/restore-jobs/${encodeURIComponent(restoreJobId)}/validations`, {
        ValidationStatus: status,
        ValidationStatusMessage: message,
      });
    },
    async sourceResourceArn(restoreJobId) {
      const job = (await call("DescribeRestoreJob", "GET", `/restore-jobs/${encodeURIComponent(restoreJobId)}`)) as {
        SourceResourceArn?: string;
      };
      return job.SourceResourceArn;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
