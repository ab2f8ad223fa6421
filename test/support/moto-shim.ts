/**
 * TEST SCAFFOLDING ONLY — a loopback HTTP proxy in front of moto_server that answers the few calls moto 5.2.1 does not
 * implement and that Terraform needs to plan/apply this module, and forwards everything else to moto unchanged:
 *
 * - Step Functions `ValidateStateMachineDefinition` (the AWS provider calls it at plan for aws_sfn_state_machine):
 *   answered by validating the definition with asl-validator, so a broken definition still fails the plan.
 * - Step Functions `ListStateMachineVersions` (the provider lists versions when it reads a state machine): answered
 *   with an empty list, which is true for this module's machines (they never publish versions).
 * - AWS Backup selections (`CreateBackupSelection`, and the Get/List/Delete calls the provider makes around it): kept
 *   in memory, per plan id, in the shape AWS returns.
 *
 * - AWS Backup `ListTags`: moto reads the ARN from `/tags/<arn>/` but the Go SDK sends `/tags/<arn>`, so moto
 *   answers "no tags" and every plan shows the vault's and plan's tags as drift. The shim adds the trailing slash.
 *
 * - AWS Backup restore testing (plans, selections, their tags, PutRestoreValidationResult): kept in memory by
 *   moto-shim-restore-testing.ts; the validation results a test's code reported are in `restoreTesting.validations`.
 * - AWS Backup jobs and recovery points for DynamoDB, which moto 5.2.1 lacks (see backup-emulation below):
 *   `StartBackupJob` (a DynamoDB CreateBackup in moto, recorded as a recovery point in the vault with its lifecycle
 *   DeleteAfterDays), `DescribeBackupJob`, `StartRestoreJob` / `DescribeRestoreJob` (a RestoreTableFromBackup in moto,
 *   then UpdateTable with the encryption the restore asked for), `ListRecoveryPointsByBackupVault`,
 *   `ListRecoveryPointsByResource`, `DeleteRecoveryPoint` (deletes the DynamoDB backup too). The vault must exist in
 *   moto (CreateBackupVault is moto's own). Jobs complete at once.
 * - DynamoDB `ListBackups`: the moto backups behind emulated recovery points are listed only for BackupType
 *   AWS_BACKUP, as AWS does (AWS's ListBackups leaves backups made with AWS Backup out of USER, SYSTEM and ALL).
 * - DynamoDB `DescribeContinuousBackups`: moto's restorable window never moves; a test can set a table's window with
 *   `POST /__shim/pitr-window` `{ "region", "table", "earliest", "latest" }` (ISO times) and the shim answers with it.
 * - Test control: `POST /__shim/recovery-point-date` `{ "arn", "creationDate" }` back-dates a recovery point (to test
 *   expiry), `GET /__shim/state` dumps the emulated jobs.
 * - Athena and Glue tag calls (`ListTagsForResource`, `GetTags`, `TagResource`, `UntagResource`): with
 *   skip_requesting_account_id the provider builds a workgroup's or database's ARN with no account
 *   (`arn:aws:athena:us-east-1::workgroup/x`), which moto cannot find; the shim puts moto's account in.
 *
 * Set MOTO_SHIM_LOG=<file> to log every request (method, path, target, status) when debugging.
 *
 * It listens on 127.0.0.1 only. Nothing here is used outside tests.
 */
import aslValidator from "asl-validator";
import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import {
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { RestoreTestingEmulation } from "./moto-shim-restore-testing";
import { BackupEmulation } from "./moto-shim-backup";

export interface MotoShim {
  /** `http://127.0.0.1:<port>`: give this to clients instead of moto's endpoint. */
  readonly endpoint: string;
  readonly port: number;
  /** Calls the shim answered itself (for tests of the shim): e.g. `ValidateStateMachineDefinition`. */
  readonly answered: readonly string[];
  /** AWS Backup restore testing, emulated in memory (plans, selections, validation results). */
  readonly restoreTesting: RestoreTestingEmulation;
  stop(): Promise<void>;
}

interface StoredSelection {
  readonly planId: string;
  readonly selectionId: string;
  readonly creationDate: number;
  readonly creatorRequestId: string | undefined;
  readonly selection: Record<string, unknown>;
}

/** AWS Backup ListTags of a backup ARN, without the trailing slash moto needs. */
const BACKUP_LIST_TAGS = /^\/tags\/arn(?::|%3A)aws[a-z-]*(?::|%3A)backup(?::|%3A)[^/?]+(?:\?.*)?$/i;
/** moto's default account. */
const MOTO_ACCOUNT = "123456789012";
const TAG_TARGETS_WITH_ARN = new Set([
  "AmazonAthena.ListTagsForResource",
  "AmazonAthena.TagResource",
  "AmazonAthena.UntagResource",
  "AWSGlue.GetTags",
  "AWSGlue.TagResource",
  "AWSGlue.UntagResource",
]);
const ARN_WITHOUT_ACCOUNT = /(arn:aws[a-z-]*:(?:athena|glue):[a-z0-9-]+:):/g;
const SELECTIONS = /^\/backup\/plans\/([^/?]+)\/selections\/?(?:([^/?]+)\/?)?(?:\?.*)?$/;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function notFound(res: ServerResponse, message: string): void {
  res.setHeader("x-amzn-errortype", "ResourceNotFoundException");
  json(res, 404, { __type: "ResourceNotFoundException", Message: message, Code: "ResourceNotFoundException" });
}

/** The answer AWS gives to ValidateStateMachineDefinition, computed with asl-validator. */
export function validateDefinition(definition: string): {
  result: "OK" | "FAIL";
  diagnostics: unknown[];
  truncated: boolean;
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch (err) {
    return {
      result: "FAIL",
      diagnostics: [{ severity: "ERROR", code: "INVALID_JSON_DESCRIPTION", message: (err as Error).message }],
      truncated: false,
    };
  }
  const { isValid, errors } = aslValidator(parsed as never, { checkPaths: true, checkArn: false });
  return {
    result: isValid ? "OK" : "FAIL",
    diagnostics: errors.map((e) => ({
      severity: "ERROR",
      code: "SCHEMA_VALIDATION_FAILED",
      message: e.message,
      location: (e as { path?: string }).path ?? "",
    })),
    truncated: false,
  };
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const headers: IncomingHttpHeaders = { ...req.headers, "content-length": String(body.byteLength) };
  delete headers["transfer-encoding"];
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.rawHeaders);
      up.pipe(res);
    },
  );
  out.on("error", (err) => {
    if (!res.headersSent) json(res, 502, { message: `moto shim: upstream error ${err.message}` });
    else res.destroy(err);
  });
  out.end(body);
}

/** Starts the shim on a free loopback port in front of `upstreamEndpoint` (moto's `http://127.0.0.1:<port>`). */
export async function startMotoShim(upstreamEndpoint: string): Promise<MotoShim> {
  const upstream = new URL(upstreamEndpoint);
  const selections = new Map<string, StoredSelection>();
  const answered: string[] = [];
  const restoreTesting = new RestoreTestingEmulation(answered);
  const backup = new BackupEmulation(upstream, answered);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body = await readBody(req);
    const target = req.headers["x-amz-target"];
    if (typeof target === "string" && TAG_TARGETS_WITH_ARN.has(target)) {
      const text = body.toString("utf8");
      const fixed = text.replace(ARN_WITHOUT_ACCOUNT, `$1${MOTO_ACCOUNT}:`);
      if (fixed !== text) {
        answered.push(`${target} (account added to the ARN)`);
        body = Buffer.from(fixed, "utf8");
      }
    }
    const restoreTestingAnswer = restoreTesting.handle(req, body);
    if (restoreTestingAnswer !== undefined) {
      const { status, body: answer, errorType } = restoreTestingAnswer;
      if (errorType !== undefined) res.setHeader("x-amzn-errortype", errorType);
      if (answer === undefined) {
        res.writeHead(status, { "content-length": 0 });
        return void res.end();
      }
      return json(res, status, answer);
    }
    const emulated = await backup.handle(req, body);
    if (emulated !== undefined) {
      if (emulated.status === 204 || emulated.body === undefined) {
        res.writeHead(emulated.status, { "content-length": 0 });
        return void res.end();
      }
      if (emulated.errorType !== undefined) res.setHeader("x-amzn-errortype", emulated.errorType);
      return json(res, emulated.status, emulated.body, emulated.contentType);
    }
    if (target === "AWSStepFunctions.ValidateStateMachineDefinition") {
      answered.push("ValidateStateMachineDefinition");
      const input = JSON.parse(body.toString("utf8") || "{}") as { definition?: string };
      return json(res, 200, validateDefinition(input.definition ?? ""), "application/x-amz-json-1.0");
    }
    if (target === "AWSStepFunctions.ListStateMachineVersions") {
      answered.push("ListStateMachineVersions");
      return json(res, 200, { stateMachineVersions: [] }, "application/x-amz-json-1.0");
    }
    const m = SELECTIONS.exec(req.url ?? "");
    if (m !== null) {
      const planId = decodeURIComponent(m[1] as string);
      const selectionId = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
      if (req.method === "PUT" && selectionId === undefined) {
        answered.push("CreateBackupSelection");
        const input = JSON.parse(body.toString("utf8")) as {
          BackupSelection: Record<string, unknown>;
          CreatorRequestId?: string;
        };
        const stored: StoredSelection = {
          planId,
          selectionId: randomUUID(),
          creationDate: Math.floor(Date.now() / 1000),
          creatorRequestId: input.CreatorRequestId,
          selection: input.BackupSelection,
        };
        selections.set(stored.selectionId, stored);
        return json(res, 200, {
          SelectionId: stored.selectionId,
          BackupPlanId: planId,
          CreationDate: stored.creationDate,
        });
      }
      if (req.method === "GET" && selectionId !== undefined) {
        answered.push("GetBackupSelection");
        const s = selections.get(selectionId);
        if (s === undefined || s.planId !== planId) return notFound(res, `Backup selection ${selectionId} not found`);
        return json(res, 200, {
          BackupPlanId: planId,
          SelectionId: s.selectionId,
          CreationDate: s.creationDate,
          CreatorRequestId: s.creatorRequestId,
          BackupSelection: s.selection,
        });
      }
      if (req.method === "GET") {
        answered.push("ListBackupSelections");
        return json(res, 200, {
          BackupSelectionsList: [...selections.values()]
            .filter((s) => s.planId === planId)
            .map((s) => ({
              BackupPlanId: planId,
              SelectionId: s.selectionId,
              SelectionName: s.selection.SelectionName,
              IamRoleArn: s.selection.IamRoleArn,
              CreationDate: s.creationDate,
              CreatorRequestId: s.creatorRequestId,
            })),
        });
      }
      if (req.method === "DELETE" && selectionId !== undefined) {
        answered.push("DeleteBackupSelection");
        if (!selections.delete(selectionId)) return notFound(res, `Backup selection ${selectionId} not found`);
        res.writeHead(200, { "content-length": 0 });
        return void res.end();
      }
    }
    if (req.method === "GET" && BACKUP_LIST_TAGS.test(req.url ?? "")) {
      answered.push("ListTags (path fixed)");
      req.url = (req.url ?? "").replace(/^([^?]*[^/?])(\?.*)?$/, "$1/$2");
    }
    forward(upstream, req, body, res);
  };

  const logFile = process.env.MOTO_SHIM_LOG;
  const server: Server = createServer((req, res) => {
    if (logFile !== undefined && logFile !== "") {
      res.on("finish", () =>
        appendFileSync(logFile, `${req.method} ${req.url} ${req.headers["x-amz-target"] ?? ""} -> ${res.statusCode}\n`),
      );
    }
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) json(res, 500, { message: `moto shim: ${err.message}` });
      else res.destroy(err);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    answered,
    restoreTesting,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
