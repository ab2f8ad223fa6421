/**
 * REHEARSAL ONLY (`rehearse --target local`): a loopback HTTP proxy in front of moto_server that answers the few calls
 * moto 5.2.1 lacks and the rehearsal needs, and forwards everything else to moto unchanged. It listens on 127.0.0.1
 * only and is never used against a real account.
 *
 * - Step Functions `ValidateStateMachineDefinition` (terraform's AWS provider calls it when it plans a state machine,
 *   which the export pipeline has; change capture needs the pipeline): answered "OK". The rehearsal does not re-check
 *   the module's definitions here: the project's own tests validate them.
 * - Step Functions `ListStateMachineVersions` (the provider lists versions when it reads a state machine): an empty
 *   list, which is true for this module's machines (they never publish versions).
 * - S3 bucket policies: kept, not enforced (lib/rehearse/proxy-policy.ts says why).
 * - Lambda event source mappings: kept in memory, never invoked (lib/rehearse/proxy-esm.ts says why).
 * - DynamoDB `DescribeContinuousBackups`: moto's restorable window never moves. {@link RehearsalProxy.setPitrWindow}
 *   sets a table's window, to simulate "the moment asked is older than the PITR window".
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { appendFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { EventSourceMappings, type EsmAnswer } from "./proxy-esm";
import { BucketPolicies } from "./proxy-policy";

const AMZ_JSON = "application/x-amz-json-1.0";

export interface PitrWindow {
  readonly earliest: Date;
  readonly latest: Date;
}

export interface RehearsalProxy {
  /** `http://127.0.0.1:<port>`: what every client of the rehearsal uses. */
  readonly endpoint: string;
  /** From now on DescribeContinuousBackups of `table` answers with this window (PITR enabled). */
  setPitrWindow(table: string, window: PitrWindow): void;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function answer(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { "content-type": AMZ_JSON, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function answerEsm(res: ServerResponse, a: EsmAnswer): void {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (a.errorType !== undefined) headers["x-amzn-errortype"] = a.errorType;
  const text = a.body === undefined ? "" : JSON.stringify(a.body);
  res.writeHead(a.status, { ...headers, "content-length": String(Buffer.byteLength(text)) });
  res.end(text);
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const out = request(
    {
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  out.on("error", (err) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`rehearsal proxy: moto_server did not answer: ${err.message}`);
  });
  out.end(body);
}

function pitrAnswer(w: PitrWindow): unknown {
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: "ENABLED",
      PointInTimeRecoveryDescription: {
        PointInTimeRecoveryStatus: "ENABLED",
        EarliestRestorableDateTime: w.earliest.getTime() / 1000,
        LatestRestorableDateTime: w.latest.getTime() / 1000,
      },
    },
  };
}

/** Starts the proxy on a free loopback port in front of moto at `upstreamEndpoint`. */
export async function startRehearsalProxy(upstreamEndpoint: string): Promise<RehearsalProxy> {
  const upstream = new URL(upstreamEndpoint);
  const windows = new Map<string, PitrWindow>();
  const mappings = new EventSourceMappings();
  const policies = new BucketPolicies();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const target = req.headers["x-amz-target"];
    const esm = mappings.handle(req, body);
    if (esm !== undefined) return answerEsm(res, esm);
    const policy = policies.handle(req, body);
    if (policy !== undefined) {
      res.writeHead(policy.status, {
        ...(policy.contentType === undefined ? {} : { "content-type": policy.contentType }),
        "content-length": String(Buffer.byteLength(policy.body ?? "")),
      });
      return void res.end(policy.body ?? "");
    }
    if (target === "AWSStepFunctions.ValidateStateMachineDefinition")
      return answer(res, { result: "OK", diagnostics: [] });
    if (target === "AWSStepFunctions.ListStateMachineVersions") return answer(res, { stateMachineVersions: [] });
    if (target === "DynamoDB_20120810.DescribeContinuousBackups") {
      const table = (JSON.parse(body.toString("utf8") || "{}") as { TableName?: string }).TableName ?? "";
      const w = windows.get(table);
      if (w !== undefined) return answer(res, pitrAnswer(w));
    }
    forward(upstream, req, body, res);
  };
  const logFile = process.env.REHEARSAL_PROXY_LOG;
  const server: Server = createServer((req, res) => {
    if (logFile !== undefined && logFile !== "") {
      res.on("finish", () =>
        appendFileSync(
          logFile,
          `${req.method} ${req.headers.host} ${req.url} ${String(req.headers["x-amz-target"] ?? "")} -> ${res.statusCode}\n`,
        ),
      );
    }
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`rehearsal proxy: ${err.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setPitrWindow: (table, w) => windows.set(table, w),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
