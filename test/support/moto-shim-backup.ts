/**
 * TEST SCAFFOLDING ONLY — the AWS Backup calls for DynamoDB that moto 5.2.1 lacks, emulated on top of moto's own
 * DynamoDB CreateBackup / RestoreTableFromBackup / DeleteBackup and Backup DescribeBackupVault (used by moto-shim.ts):
 *
 * - `StartBackupJob` → moto CreateBackup of the table named by the resource ARN; the recovery point is recorded in the
 *   vault (which must exist in moto) with the lifecycle's DeleteAfterDays and the computed DeleteAt. The job is
 *   COMPLETED at once. `DescribeBackupJob` answers it.
 * - `StartRestoreJob` → moto RestoreTableFromBackup into Metadata.targetTableName, with the encryption the restore asked
 *   for (encryptionType / kmsMasterKeyArn) passed as SSESpecificationOverride. `DescribeRestoreJob` answers it.
 * - `ListRecoveryPointsByBackupVault` (resourceArn filter), `ListRecoveryPointsByResource`, `DeleteRecoveryPoint`
 *   (also deletes the DynamoDB backup behind it).
 * - DynamoDB `DescribeContinuousBackups` with a window a test set (moto's window never moves).
 * - DynamoDB `ListBackups` without the backups behind recovery points, as AWS lists them (only for AWS_BACKUP).
 *
 * Recovery point ARNs have AWS Backup's own form (arn:aws:backup:<region>:<account>:recovery-point:<id>), as with
 * AWS Backup's advanced DynamoDB features (which cross-region copies need).
 */
import { randomUUID } from "node:crypto";
import { request, type IncomingMessage } from "node:http";

export interface Emulated {
  readonly status: number;
  readonly body?: unknown;
  readonly errorType?: string;
  readonly contentType?: string;
}

interface StoredPoint {
  readonly region: string;
  readonly vaultName: string;
  readonly vaultArn: string;
  readonly arn: string;
  readonly dynamoBackupArn: string;
  readonly resourceArn: string;
  creationDate: number;
  readonly deleteAfterDays?: number;
  readonly tags: Readonly<Record<string, string>>;
}

interface StoredJob {
  readonly id: string;
  readonly region: string;
  readonly kind: "backup" | "restore";
  readonly recoveryPointArn: string;
  readonly resourceArn: string;
  readonly vaultName?: string;
  readonly creationDate: number;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly status: string;
  readonly statusMessage?: string;
}

interface PitrWindow {
  readonly earliest: number;
  readonly latest: number;
}

const DDB_JSON = "application/x-amz-json-1.0";

function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? "";
  return /Credential=[^/]+\/\d+\/([^/]+)\//.exec(auth)?.[1] ?? "us-east-1";
}

function notFound(message: string): Emulated {
  return {
    status: 404,
    errorType: "ResourceNotFoundException",
    body: { Code: "ResourceNotFoundException", Message: message },
  };
}

function invalid(message: string): Emulated {
  return {
    status: 400,
    errorType: "InvalidParameterValueException",
    body: { Code: "InvalidParameterValueException", Message: message },
  };
}

export class BackupEmulation {
  private readonly points = new Map<string, StoredPoint>();
  private readonly jobs = new Map<string, StoredJob>();
  private readonly windows = new Map<string, PitrWindow>();

  constructor(
    private readonly upstream: URL,
    private readonly answered: string[],
  ) {}

  /** The emulated answer, or undefined to forward the request to moto. */
  async handle(req: IncomingMessage, body: Buffer): Promise<Emulated | undefined> {
    const url = new URL(req.url ?? "/", "http://shim");
    const path = url.pathname;
    const input = (): Record<string, unknown> => JSON.parse(body.toString("utf8") || "{}") as Record<string, unknown>;
    const region = regionOf(req);
    if (path.startsWith("/__shim/")) return this.control(req.method ?? "GET", path, input());
    if (req.headers["x-amz-target"] === "DynamoDB_20120810.DescribeContinuousBackups") {
      return this.continuousBackups(region, String(input().TableName));
    }
    if (req.headers["x-amz-target"] === "DynamoDB_20120810.ListBackups") return this.listBackups(region, input());
    if (req.method === "PUT" && path === "/backup-jobs") return this.startBackupJob(region, input());
    if (req.method === "PUT" && path === "/restore-jobs") return this.startRestoreJob(region, input());
    let m = /^\/(backup|restore)-jobs\/([^/]+)\/?$/.exec(path);
    if (req.method === "GET" && m !== null) return this.describeJob(m[1] as string, decodeURIComponent(m[2] as string));
    m = /^\/backup-vaults\/([^/]+)\/recovery-points\/?$/.exec(path);
    if (req.method === "GET" && m !== null) {
      this.answered.push("ListRecoveryPointsByBackupVault");
      const vault = decodeURIComponent(m[1] as string);
      if ((await this.vaultArn(region, vault)) === undefined) return notFound(`Backup vault ${vault} not found`);
      // AWS's query parameter is resourceArn (the API's ByResourceArn member); byResourceArn is not a parameter.
      const byArn = url.searchParams.get("resourceArn");
      const list = this.list(region, (p) => p.vaultName === vault && (byArn === null || p.resourceArn === byArn));
      return { status: 200, body: { RecoveryPoints: list } };
    }
    m = /^\/resources\/(.+)\/recovery-points\/?$/.exec(path);
    if (req.method === "GET" && m !== null) {
      this.answered.push("ListRecoveryPointsByResource");
      const arn = decodeURIComponent(m[1] as string);
      return { status: 200, body: { RecoveryPoints: this.list(region, (p) => p.resourceArn === arn) } };
    }
    m = /^\/backup-vaults\/([^/]+)\/recovery-points\/(.+)$/.exec(path);
    if (req.method === "DELETE" && m !== null) {
      return this.deletePoint(region, decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string));
    }
    return undefined;
  }

  private control(method: string, path: string, input: Record<string, unknown>): Emulated {
    if (method === "POST" && path === "/__shim/pitr-window") {
      const key = `${String(input.region ?? "us-east-1")}/${String(input.table)}`;
      this.windows.set(key, {
        earliest: Date.parse(String(input.earliest)) / 1000,
        latest: Date.parse(String(input.latest)) / 1000,
      });
      return { status: 200, body: {} };
    }
    if (method === "POST" && path === "/__shim/recovery-point-date") {
      const p = this.points.get(String(input.arn));
      if (p === undefined) return notFound(`recovery point ${String(input.arn)} not found`);
      p.creationDate = Date.parse(String(input.creationDate)) / 1000;
      return { status: 200, body: {} };
    }
    if (method === "GET" && path === "/__shim/state") {
      return { status: 200, body: { recoveryPoints: [...this.points.values()], jobs: [...this.jobs.values()] } };
    }
    return notFound(`no shim control ${method} ${path}`);
  }

  /**
   * DynamoDB `ListBackups` as AWS answers it: a backup made by AWS Backup (here: the moto backup behind an emulated
   * recovery point) is listed only for BackupType AWS_BACKUP, never for USER, SYSTEM or ALL.
   */
  private async listBackups(region: string, input: Record<string, unknown>): Promise<Emulated> {
    const res = await this.dynamo(region, "ListBackups", input);
    if (res.status !== 200) return { ...res, contentType: DDB_JSON };
    const byJob = new Set([...this.points.values()].map((p) => p.dynamoBackupArn));
    const wantJobs = input.BackupType === "AWS_BACKUP";
    const page = res.body as { BackupSummaries?: { BackupArn: string }[] };
    const summaries = (page.BackupSummaries ?? [])
      .filter((b) => byJob.has(b.BackupArn) === wantJobs)
      .map((b) => (wantJobs ? { ...b, BackupType: "AWS_BACKUP" } : b));
    return { status: 200, contentType: DDB_JSON, body: { ...page, BackupSummaries: summaries } };
  }

  private async continuousBackups(region: string, table: string): Promise<Emulated | undefined> {
    const w = this.windows.get(`${region}/${table}`);
    if (w === undefined) return undefined;
    const res = await this.dynamo(region, "DescribeContinuousBackups", { TableName: table });
    if (res.status !== 200) return { ...res, contentType: DDB_JSON };
    this.answered.push("DescribeContinuousBackups (window set by the test)");
    const desc = (res.body as { ContinuousBackupsDescription: Record<string, Record<string, unknown>> })
      .ContinuousBackupsDescription;
    const pitr = desc.PointInTimeRecoveryDescription ?? {};
    const out =
      pitr.PointInTimeRecoveryStatus === "ENABLED"
        ? { ...pitr, EarliestRestorableDateTime: w.earliest, LatestRestorableDateTime: w.latest }
        : pitr;
    return {
      status: 200,
      contentType: DDB_JSON,
      body: { ContinuousBackupsDescription: { ...desc, PointInTimeRecoveryDescription: out } },
    };
  }

  private async startBackupJob(region: string, input: Record<string, unknown>): Promise<Emulated> {
    this.answered.push("StartBackupJob");
    const vaultName = String(input.BackupVaultName);
    const resourceArn = String(input.ResourceArn);
    if (typeof input.IamRoleArn !== "string" || input.IamRoleArn === "") return invalid("IamRoleArn is required");
    const vaultArn = await this.vaultArn(region, vaultName);
    if (vaultArn === undefined) return notFound(`Backup vault ${vaultName} not found`);
    const table = /:table\/([^/]+)$/.exec(resourceArn)?.[1];
    if (table === undefined) return invalid(`ResourceArn ${resourceArn} is not a DynamoDB table ARN`);
    const id = randomUUID().toUpperCase();
    const res = await this.dynamo(region, "CreateBackup", { TableName: table, BackupName: `awsbackup-job-${id}` });
    if (res.status !== 200) return { ...res, contentType: DDB_JSON };
    const details = (res.body as { BackupDetails: { BackupArn: string } }).BackupDetails;
    const account = vaultArn.split(":")[4] ?? "123456789012";
    const now = Date.now() / 1000;
    const lifecycle = input.Lifecycle as { DeleteAfterDays?: number } | undefined;
    const point: StoredPoint = {
      region,
      vaultName,
      vaultArn,
      arn: `arn:aws:backup:${region}:${account}:recovery-point:${randomUUID()}`,
      dynamoBackupArn: details.BackupArn,
      resourceArn,
      creationDate: now,
      deleteAfterDays: lifecycle?.DeleteAfterDays,
      tags: (input.RecoveryPointTags as Record<string, string> | undefined) ?? {},
    };
    this.points.set(point.arn, point);
    this.jobs.set(id, {
      id,
      region,
      kind: "backup",
      recoveryPointArn: point.arn,
      resourceArn,
      vaultName,
      creationDate: now,
      status: "COMPLETED",
    });
    return { status: 200, body: { BackupJobId: id, RecoveryPointArn: point.arn, CreationDate: now } };
  }

  private async startRestoreJob(region: string, input: Record<string, unknown>): Promise<Emulated> {
    this.answered.push("StartRestoreJob");
    const point = this.points.get(String(input.RecoveryPointArn));
    if (point === undefined || point.region !== region) {
      return notFound(`Recovery point ${String(input.RecoveryPointArn)} not found`);
    }
    if (typeof input.IamRoleArn !== "string" || input.IamRoleArn === "") return invalid("IamRoleArn is required");
    const metadata = (input.Metadata as Record<string, string> | undefined) ?? {};
    const target = metadata.targetTableName;
    if (target === undefined || target === "") return invalid("Metadata.targetTableName is required");
    const sse =
      metadata.encryptionType === "KMS"
        ? { Enabled: true, SSEType: "KMS", KMSMasterKeyId: metadata.kmsMasterKeyArn }
        : { Enabled: false };
    const res = await this.dynamo(region, "RestoreTableFromBackup", {
      TargetTableName: target,
      BackupArn: point.dynamoBackupArn,
      SSESpecificationOverride: sse,
    });
    const id = randomUUID().toUpperCase();
    const ok = res.status === 200;
    const tableArn = ok
      ? (res.body as { TableDescription?: { TableArn?: string } }).TableDescription?.TableArn
      : undefined;
    this.jobs.set(id, {
      id,
      region,
      kind: "restore",
      recoveryPointArn: point.arn,
      resourceArn: tableArn ?? "",
      creationDate: Date.now() / 1000,
      metadata,
      status: ok ? "COMPLETED" : "FAILED",
      statusMessage: ok ? undefined : JSON.stringify(res.body),
    });
    return { status: 200, body: { RestoreJobId: id } };
  }

  private describeJob(kind: string, id: string): Emulated {
    const job = this.jobs.get(id);
    if (job === undefined || job.kind !== kind) return notFound(`${kind} job ${id} not found`);
    if (kind === "backup") {
      this.answered.push("DescribeBackupJob");
      return {
        status: 200,
        body: {
          BackupJobId: job.id,
          State: job.status,
          RecoveryPointArn: job.recoveryPointArn,
          ResourceArn: job.resourceArn,
          ResourceType: "DynamoDB",
          BackupVaultName: job.vaultName,
          CreationDate: job.creationDate,
          CompletionDate: job.creationDate,
        },
      };
    }
    this.answered.push("DescribeRestoreJob");
    return {
      status: 200,
      body: {
        RestoreJobId: job.id,
        Status: job.status,
        StatusMessage: job.statusMessage,
        RecoveryPointArn: job.recoveryPointArn,
        CreatedResourceArn: job.resourceArn,
        ResourceType: "DynamoDB",
        CreationDate: job.creationDate,
      },
    };
  }

  private list(region: string, keep: (p: StoredPoint) => boolean): unknown[] {
    return [...this.points.values()]
      .filter((p) => p.region === region && keep(p))
      .map((p) => ({
        RecoveryPointArn: p.arn,
        BackupVaultName: p.vaultName,
        BackupVaultArn: p.vaultArn,
        ResourceArn: p.resourceArn,
        ResourceType: "DynamoDB",
        ResourceName: /:table\/([^/]+)$/.exec(p.resourceArn)?.[1],
        Status: "COMPLETED",
        CreationDate: p.creationDate,
        CompletionDate: p.creationDate,
        ...(p.deleteAfterDays === undefined
          ? {}
          : {
              Lifecycle: { DeleteAfterDays: p.deleteAfterDays },
              CalculatedLifecycle: { DeleteAt: p.creationDate + p.deleteAfterDays * 86_400 },
            }),
      }));
  }

  private async deletePoint(region: string, vaultName: string, arn: string): Promise<Emulated> {
    this.answered.push("DeleteRecoveryPoint");
    const p = this.points.get(arn);
    if (p === undefined || p.region !== region || p.vaultName !== vaultName) {
      return notFound(`Recovery point ${arn} not found in vault ${vaultName}`);
    }
    await this.dynamo(region, "DeleteBackup", { BackupArn: p.dynamoBackupArn });
    this.points.delete(arn);
    return { status: 204 };
  }

  private async vaultArn(region: string, name: string): Promise<string | undefined> {
    const res = await this.upstreamCall(region, "backup", "GET", `/backup-vaults/${encodeURIComponent(name)}`, {});
    if (res.status !== 200) return undefined;
    return (res.body as { BackupVaultArn?: string }).BackupVaultArn;
  }

  private dynamo(region: string, op: string, body: unknown): Promise<{ status: number; body: unknown }> {
    return this.upstreamCall(region, "dynamodb", "POST", "/", { "x-amz-target": `DynamoDB_20120810.${op}` }, body);
  }

  private upstreamCall(
    region: string,
    service: string,
    method: string,
    path: string,
    extra: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const text = body === undefined ? "" : JSON.stringify(body);
    const headers = {
      ...extra,
      "content-type": service === "dynamodb" ? DDB_JSON : "application/json",
      "content-length": String(Buffer.byteLength(text)),
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20200101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    };
    return new Promise((resolve, reject) => {
      const out = request({ host: this.upstream.hostname, port: this.upstream.port, method, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = raw;
          try {
            parsed = raw === "" ? {} : JSON.parse(raw);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 502, body: parsed });
        });
        res.on("error", reject);
      });
      out.on("error", reject);
      out.end(text);
    });
  }
}
