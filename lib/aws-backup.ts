/**
 * A small AWS Backup client for the few calls the DR commands make (StartBackupJob, DescribeBackupJob,
 * StartRestoreJob, DescribeRestoreJob, ListRecoveryPointsByBackupVault, ListRecoveryPointsByResource,
 * DeleteRecoveryPoint, DescribeBackupVault). `@aws-sdk/client-backup` is not a dependency of this project yet; this
 * signs the REST requests with the SDK's own signer and credential chain (the same configuration as every other
 * client: AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_BACKUP, AWS_MAX_ATTEMPTS). Swap it for the SDK
 * client when that package is added; callers use only the functions below.
 *
 * Errors look like SDK errors (`name`, `$metadata`, and the operation as "Backup.<Operation>"), so lib/cli/aws-errors.ts
 * reports them like any other refused call.
 */
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac } from "node:crypto";
import { AWS_OPERATION_PROPERTY } from "./aws";

/** How many times a call is tried when AWS throttles or answers 5xx. @default 3 (AWS_MAX_ATTEMPTS overrides) */
const DEFAULT_MAX_ATTEMPTS = 3;

class NodeSha256 {
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

export interface RecoveryPoint {
  readonly RecoveryPointArn: string;
  readonly BackupVaultName?: string;
  readonly BackupVaultArn?: string;
  readonly ResourceArn?: string;
  readonly ResourceType?: string;
  readonly ResourceName?: string;
  /** COMPLETED | PARTIAL | DELETING | EXPIRED | AVAILABLE | STOPPED | CREATING */
  readonly Status?: string;
  readonly CreationDate?: Date;
  readonly CompletionDate?: Date;
  readonly BackupSizeInBytes?: number;
  readonly Lifecycle?: { readonly DeleteAfterDays?: number };
  readonly CalculatedLifecycle?: { readonly DeleteAt?: Date };
}

export interface BackupJob {
  readonly BackupJobId: string;
  /** CREATED | PENDING | RUNNING | ABORTING | ABORTED | COMPLETED | FAILED | EXPIRED | PARTIAL */
  readonly State?: string;
  readonly StatusMessage?: string;
  readonly RecoveryPointArn?: string;
  readonly ResourceArn?: string;
  readonly BackupVaultName?: string;
  readonly CreationDate?: Date;
  readonly CompletionDate?: Date;
}

export interface RestoreJob {
  readonly RestoreJobId: string;
  /** PENDING | RUNNING | COMPLETED | ABORTED | FAILED */
  readonly Status?: string;
  readonly StatusMessage?: string;
  readonly CreatedResourceArn?: string;
  readonly RecoveryPointArn?: string;
}

export interface BackupClientOptions {
  readonly region: string;
  /** @default AWS_ENDPOINT_URL_BACKUP ?? AWS_ENDPOINT_URL ?? https://backup.<region>.amazonaws.com */
  readonly endpoint?: string;
}

const DATE_FIELDS = new Set(["CreationDate", "CompletionDate", "DeleteAt", "ExpectedCompletionDate"]);

function withDates<T>(v: T): T {
  if (Array.isArray(v)) return v.map(withDates) as T;
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = DATE_FIELDS.has(k) && typeof x === "number" ? new Date(x * 1000) : withDates(x);
  }
  return out as T;
}

/**
 * Called with "Backup.<Operation>" before every call (the permissions test records the calls a command makes, as it
 * does with the SDK clients' middleware).
 */
export const backupCallObservers: ((operation: string) => void)[] = [];

export class BackupClient {
  readonly region: string;
  private readonly endpoint: URL;
  private readonly signer: SignatureV4;

  constructor(opts: BackupClientOptions) {
    this.region = opts.region;
    const ep =
      opts.endpoint ??
      process.env.AWS_ENDPOINT_URL_BACKUP ??
      process.env.AWS_ENDPOINT_URL ??
      `https://backup.${opts.region}.amazonaws.com`;
    this.endpoint = new URL(ep);
    this.signer = new SignatureV4({
      service: "backup",
      region: opts.region,
      credentials: defaultProvider(),
      sha256: NodeSha256,
    });
  }

  /** One REST call; `operation` names it in errors ("StartBackupJob"). */
  async call<T>(
    operation: string,
    method: string,
    path: string,
    body?: unknown,
    query: Record<string, string> = {},
  ): Promise<T> {
    for (const observe of backupCallObservers) observe(`Backup.${operation}`);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const maxAttempts = Number(process.env.AWS_MAX_ATTEMPTS ?? DEFAULT_MAX_ATTEMPTS);
    for (let attempt = 1; ; attempt += 1) {
      const res = await this.send(operation, method, path, text, query);
      const raw = await res.text();
      if (res.ok) return withDates((raw === "" ? {} : JSON.parse(raw)) as T);
      const retryable = res.status >= 500 || res.status === 429;
      if (!retryable || attempt >= maxAttempts) throw this.error(operation, res, raw);
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }

  private async send(
    operation: string,
    method: string,
    path: string,
    text: string | undefined,
    query: Record<string, string>,
  ): Promise<Response> {
    const basePath = this.endpoint.pathname.replace(/\/$/, "");
    const headers: Record<string, string> = { host: this.endpoint.host };
    if (text !== undefined) headers["content-type"] = "application/json";
    const signed = await this.signer.sign({
      method,
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port === "" ? undefined : Number(this.endpoint.port),
      path: `${basePath}${path}`,
      query,
      headers,
      body: text,
    });
    const qs = new URLSearchParams(query).toString();
    const url = `${this.endpoint.origin}${basePath}${path}${qs === "" ? "" : `?${qs}`}`;
    const h = { ...(signed.headers as Record<string, string>) };
    delete h.host;
    try {
      return await fetch(url, { method, headers: h, body: text });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const e = new Error(cause?.message ?? (err as Error).message) as Error & { code?: string };
      e.name = "NetworkError";
      e.code = cause?.code;
      Object.defineProperty(e, AWS_OPERATION_PROPERTY, { value: `Backup.${operation}`, enumerable: false });
      throw e;
    }
  }

  private error(operation: string, res: Response, raw: string): Error {
    let parsed: { __type?: string; Code?: string; Message?: string; message?: string } = {};
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      /* no JSON body */
    }
    const name =
      res.headers.get("x-amzn-errortype")?.split(":")[0] ?? parsed.Code ?? parsed.__type?.split("#").pop() ?? "Unknown";
    const err = new Error(parsed.Message ?? parsed.message ?? raw.slice(0, 300)) as Error & {
      $metadata: { httpStatusCode: number; requestId?: string };
    };
    err.name = name;
    err.$metadata = { httpStatusCode: res.status, requestId: res.headers.get("x-amzn-requestid") ?? undefined };
    Object.defineProperty(err, AWS_OPERATION_PROPERTY, { value: `Backup.${operation}`, enumerable: false });
    return err;
  }
}

const enc = encodeURIComponent;

export function isBackupNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === "ResourceNotFoundException";
}

/** DescribeBackupVault, or undefined when there is no such vault. */
export async function describeBackupVault(
  c: BackupClient,
  vaultName: string,
): Promise<{ BackupVaultName: string; BackupVaultArn: string } | undefined> {
  try {
    return await c.call("DescribeBackupVault", "GET", `/backup-vaults/${enc(vaultName)}`);
  } catch (err) {
    if (isBackupNotFound(err)) return undefined;
    throw err;
  }
}

export interface StartBackupJobInput {
  readonly BackupVaultName: string;
  readonly ResourceArn: string;
  readonly IamRoleArn: string;
  readonly Lifecycle?: { readonly DeleteAfterDays: number };
  readonly RecoveryPointTags?: Readonly<Record<string, string>>;
  readonly IdempotencyToken?: string;
}

export async function startBackupJob(
  c: BackupClient,
  input: StartBackupJobInput,
): Promise<{ BackupJobId: string; RecoveryPointArn?: string; CreationDate?: Date }> {
  return c.call("StartBackupJob", "PUT", "/backup-jobs", input);
}

export async function describeBackupJob(c: BackupClient, id: string): Promise<BackupJob> {
  return c.call("DescribeBackupJob", "GET", `/backup-jobs/${enc(id)}`);
}

export interface StartRestoreJobInput {
  readonly RecoveryPointArn: string;
  readonly IamRoleArn: string;
  readonly ResourceType: "DynamoDB";
  /** DynamoDB restore metadata: targetTableName, encryptionType (Default | KMS), kmsMasterKeyArn. */
  readonly Metadata: Readonly<Record<string, string>>;
}

export async function startRestoreJob(c: BackupClient, input: StartRestoreJobInput): Promise<{ RestoreJobId: string }> {
  return c.call("StartRestoreJob", "PUT", "/restore-jobs", input);
}

export async function describeRestoreJob(c: BackupClient, id: string): Promise<RestoreJob> {
  return c.call("DescribeRestoreJob", "GET", `/restore-jobs/${enc(id)}`);
}

async function paged(
  c: BackupClient,
  operation: string,
  path: string,
  query: Record<string, string>,
): Promise<RecoveryPoint[]> {
  const out: RecoveryPoint[] = [];
  let token: string | undefined;
  do {
    const page = await c.call<{ RecoveryPoints?: RecoveryPoint[]; NextToken?: string }>(
      operation,
      "GET",
      path,
      undefined,
      {
        ...query,
        ...(token === undefined ? {} : { nextToken: token }),
      },
    );
    out.push(...(page.RecoveryPoints ?? []));
    token = page.NextToken;
  } while (token !== undefined && token !== "");
  return out;
}

/** Every recovery point in the vault (of one resource when `resourceArn` is given). */
export async function listRecoveryPointsByVault(
  c: BackupClient,
  vaultName: string,
  resourceArn?: string,
): Promise<RecoveryPoint[]> {
  return paged(c, "ListRecoveryPointsByBackupVault", `/backup-vaults/${enc(vaultName)}/recovery-points/`, {
    byResourceType: "DynamoDB",
    ...(resourceArn === undefined ? {} : { byResourceArn: resourceArn }),
  });
}

/** Every recovery point of one resource, in any vault of this region. */
export async function listRecoveryPointsByResource(c: BackupClient, resourceArn: string): Promise<RecoveryPoint[]> {
  return paged(c, "ListRecoveryPointsByResource", `/resources/${enc(resourceArn)}/recovery-points/`, {});
}

export async function deleteRecoveryPoint(c: BackupClient, vaultName: string, arn: string): Promise<void> {
  await c.call("DeleteRecoveryPoint", "DELETE", `/backup-vaults/${enc(vaultName)}/recovery-points/${enc(arn)}`);
}
