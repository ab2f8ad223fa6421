/**
 * A loopback HTTP proxy in front of a DynamoDB server that injects the failures real DynamoDB produces:
 * throttling (HTTP 400 ProvisionedThroughputExceededException), HTTP 500 InternalServerError, and dropped connections —
 * before the request reaches the server, or after the server applied it (the response is lost; the client retries a
 * write that already landed). Rates are per request, decided by a seeded PRNG so a failing run can be replayed.
 */
import {
  createServer,
  request as httpRequest,
  Agent,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";

export interface FaultRates {
  /** Share of requests answered with ProvisionedThroughputExceededException. @default 0 */
  readonly throttle?: number;
  /** Share answered with HTTP 500 InternalServerError. @default 0 */
  readonly serverError?: number;
  /** Share whose connection is dropped before forwarding. @default 0 */
  readonly dropBefore?: number;
  /** Share forwarded to the server whose response is then dropped. @default 0 */
  readonly dropAfter?: number;
  /**
   * Share of BatchWriteItem requests (of 2+ items) of which only the first half reaches the server; the rest comes
   * back as UnprocessedItems, as DynamoDB does under load. (The proxy rewrites the signed body: the local servers do
   * not check signatures.) @default 0
   */
  readonly unprocessed?: number;
}

export interface FaultProxyOptions extends FaultRates {
  /** Upstream endpoint, e.g. http://127.0.0.1:4567 */
  readonly target: string;
  /** Only requests whose X-Amz-Target operation is listed get faults. @default - all operations */
  readonly operations?: readonly string[];
  /** @default 1 */
  readonly seed?: number;
}

export interface FaultStats {
  requests: number;
  throttled: number;
  serverErrors: number;
  droppedBefore: number;
  droppedAfter: number;
  /** Items returned as UnprocessedItems. */
  unprocessedItems: number;
  forwarded: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly stats: FaultStats;
  /** Change the rates while running (e.g. faults only during restore). */
  setRates(rates: FaultRates): void;
  stop(): Promise<void>;
}

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function jsonError(res: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
  res.writeHead(status, { "Content-Type": "application/x-amz-json-1.0", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  const random = prng(opts.seed ?? 1);
  let rates: Required<FaultRates> = { throttle: 0, serverError: 0, dropBefore: 0, dropAfter: 0, unprocessed: 0 };
  const setRates = (r: FaultRates): void => {
    rates = {
      throttle: r.throttle ?? 0,
      serverError: r.serverError ?? 0,
      dropBefore: r.dropBefore ?? 0,
      dropAfter: r.dropAfter ?? 0,
      unprocessed: r.unprocessed ?? 0,
    };
  };
  setRates(opts);
  const stats: FaultStats = {
    requests: 0,
    throttled: 0,
    serverErrors: 0,
    droppedBefore: 0,
    droppedAfter: 0,
    unprocessedItems: 0,
    forwarded: 0,
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const sockets = new Set<Socket>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const op =
        String(req.headers["x-amz-target"] ?? "")
          .split(".")
          .pop() ?? "";
      const eligible = opts.operations === undefined || opts.operations.includes(op);
      const roll = eligible ? random() : 1;
      let edge = rates.throttle;
      if (roll < edge) {
        stats.throttled++;
        return jsonError(
          res,
          400,
          "ProvisionedThroughputExceededException",
          "The level of configured provisioned throughput for the table was exceeded (injected)",
        );
      }
      edge += rates.serverError;
      if (roll < edge) {
        stats.serverErrors++;
        return jsonError(res, 500, "InternalServerError", "Internal server error (injected)");
      }
      edge += rates.dropBefore;
      if (roll < edge) {
        stats.droppedBefore++;
        req.socket.destroy();
        return;
      }
      const dropAfter = roll < edge + rates.dropAfter;
      let body = Buffer.concat(chunks);
      // Partial processing: forward half of a BatchWriteItem, hand the rest back as UnprocessedItems.
      let heldBack: Record<string, unknown[]> | undefined;
      if (op === "BatchWriteItem" && eligible && rates.unprocessed > 0 && random() < rates.unprocessed) {
        const parsed = JSON.parse(body.toString("utf8")) as { RequestItems: Record<string, unknown[]> };
        for (const [table, reqs] of Object.entries(parsed.RequestItems)) {
          if (reqs.length < 2) continue;
          const keep = Math.ceil(reqs.length / 2);
          (heldBack ??= {})[table] = reqs.slice(keep);
          parsed.RequestItems[table] = reqs.slice(0, keep);
          stats.unprocessedItems += reqs.length - keep;
        }
        if (heldBack !== undefined) body = Buffer.from(JSON.stringify(parsed));
      }
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host, "content-length": String(body.byteLength) },
          agent,
        },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on("data", (c: Buffer) => out.push(c));
          upRes.on("end", () => {
            if (dropAfter) {
              stats.droppedAfter++;
              req.socket.destroy();
              return;
            }
            stats.forwarded++;
            const headers = { ...upRes.headers };
            delete headers["transfer-encoding"];
            let payload = Buffer.concat(out);
            if (heldBack !== undefined && upRes.statusCode === 200) {
              const answer = JSON.parse(payload.toString("utf8")) as { UnprocessedItems?: Record<string, unknown[]> };
              const merged = { ...(answer.UnprocessedItems ?? {}) };
              for (const [table, reqs] of Object.entries(heldBack)) merged[table] = [...(merged[table] ?? []), ...reqs];
              payload = Buffer.from(JSON.stringify({ ...answer, UnprocessedItems: merged }));
              delete headers["x-amz-crc32"];
            }
            res.writeHead(upRes.statusCode ?? 502, { ...headers, "content-length": String(payload.byteLength) });
            res.end(payload);
          });
        },
      );
      up.on("error", (err) => {
        if (!res.headersSent) jsonError(res, 502, "InternalServerError", `proxy upstream error: ${err.message}`);
      });
      up.end(body);
    });
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("fault proxy has no port");
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    stats,
    setRates,
    async stop() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
