/**
 * REHEARSAL ONLY: Lambda event source mappings kept by the rehearsal proxy instead of moto. moto 5.2.1 attaches a
 * mapping of a DynamoDB stream to its table and then invokes the function (in Docker) on every write to the table, so
 * with change capture on every write fails where Docker is not available. Here the mappings are kept in memory in the
 * shape Lambda returns (create, get, update, delete, list, and their tags) and nothing is invoked: the rehearsal
 * delivers the stream to the capture handler itself (lib/rehearse/stream-pump.ts), as the mapping would.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** moto's default account, which the mappings' ARNs carry. */
const ACCOUNT = "123456789012";
const MAPPINGS = /^\/2015-03-31\/event-source-mappings\/?([^/?]*)(?:\?(.*))?$/;
const TAGS = /^\/2017-03-31\/tags\/([^?]+)(?:\?(.*))?$/;

export interface EsmAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly errorType?: string;
}

type Spec = Record<string, unknown>;

interface Mapping {
  config: Spec;
  tags: Record<string, string>;
}

const DEFAULTS: Spec = {
  BatchSize: 100,
  MaximumBatchingWindowInSeconds: 0,
  ParallelizationFactor: 1,
  MaximumRecordAgeInSeconds: -1,
  MaximumRetryAttempts: -1,
  BisectBatchOnFunctionError: false,
  TumblingWindowInSeconds: 0,
  FunctionResponseTypes: [],
};

function functionArn(name: string, region: string): string {
  return name.startsWith("arn:") ? name : `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`;
}

function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? "";
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(auth)?.[1] ?? "us-east-1";
}

function notFound(what: string): EsmAnswer {
  return {
    status: 404,
    errorType: "ResourceNotFoundException",
    body: { Type: "User", Message: `The resource you requested does not exist. (${what})` },
  };
}

/** The event source mappings, in memory. */
export class EventSourceMappings {
  private readonly mappings = new Map<string, Mapping>();

  /** The answer to a mapping request, or undefined for any other request (forwarded to moto). */
  handle(req: IncomingMessage, body: Buffer): EsmAnswer | undefined {
    const url = req.url ?? "";
    const m = MAPPINGS.exec(url);
    if (m !== null) return this.mappingCall(req, m[1] ?? "", new URLSearchParams(m[2] ?? ""), body);
    const t = TAGS.exec(url);
    if (t !== null) {
      const arn = decodeURIComponent(t[1] ?? "");
      if (arn.includes(":event-source-mapping:")) return this.tagCall(req, arn, new URLSearchParams(t[2] ?? ""), body);
    }
    return undefined;
  }

  private mappingCall(req: IncomingMessage, uuid: string, query: URLSearchParams, body: Buffer): EsmAnswer {
    const spec = (body.length === 0 ? {} : JSON.parse(body.toString("utf8"))) as Spec;
    if (req.method === "POST" && uuid === "") return this.create(spec, regionOf(req));
    if (req.method === "GET" && uuid === "") return this.list(query);
    const found = this.mappings.get(uuid);
    if (found === undefined) return notFound(`event source mapping ${uuid}`);
    if (req.method === "GET") return { status: 200, body: found.config };
    if (req.method === "PUT") {
      found.config = this.merge(found.config, spec, regionOf(req));
      return { status: 202, body: found.config };
    }
    if (req.method === "DELETE") {
      this.mappings.delete(uuid);
      return { status: 202, body: { ...found.config, State: "Deleting" } };
    }
    return { status: 405, body: { Message: `rehearsal proxy: ${req.method ?? ""} not supported` } };
  }

  private merge(config: Spec, spec: Spec, region: string): Spec {
    const { FunctionName, Enabled, Tags: _tags, ...rest } = spec;
    const next: Spec = { ...config, ...rest, LastModified: Date.now() / 1000 };
    if (typeof FunctionName === "string") next.FunctionArn = functionArn(FunctionName, region);
    if (typeof Enabled === "boolean") next.State = Enabled ? "Enabled" : "Disabled";
    return next;
  }

  private create(spec: Spec, region: string): EsmAnswer {
    const uuid = randomUUID();
    const base: Spec = {
      ...DEFAULTS,
      UUID: uuid,
      EventSourceMappingArn: `arn:aws:lambda:${region}:${ACCOUNT}:event-source-mapping:${uuid}`,
      State: "Enabled",
      StateTransitionReason: "USER_INITIATED",
      LastProcessingResult: "No records processed",
    };
    const config = this.merge(base, spec, region);
    const tags = (spec.Tags ?? {}) as Record<string, string>;
    this.mappings.set(uuid, { config, tags: { ...tags } });
    return { status: 202, body: config };
  }

  private list(query: URLSearchParams): EsmAnswer {
    const fn = query.get("FunctionName");
    const source = query.get("EventSourceArn");
    const all = [...this.mappings.values()].map((m) => m.config);
    const picked = all.filter(
      (c) =>
        (fn === null || c.FunctionArn === fn || String(c.FunctionArn).endsWith(`:function:${fn}`)) &&
        (source === null || c.EventSourceArn === source),
    );
    return { status: 200, body: { EventSourceMappings: picked } };
  }

  private tagCall(req: IncomingMessage, arn: string, query: URLSearchParams, body: Buffer): EsmAnswer {
    const uuid = arn.slice(arn.lastIndexOf(":") + 1);
    const found = this.mappings.get(uuid);
    if (found === undefined) return notFound(arn);
    if (req.method === "GET") return { status: 200, body: { Tags: found.tags } };
    if (req.method === "POST") {
      const tags = (JSON.parse(body.toString("utf8") || "{}") as { Tags?: Record<string, string> }).Tags ?? {};
      Object.assign(found.tags, tags);
      return { status: 204 };
    }
    if (req.method === "DELETE") {
      for (const k of query.getAll("tagKeys")) delete found.tags[k];
      return { status: 204 };
    }
    return { status: 405, body: { Message: `rehearsal proxy: ${req.method ?? ""} not supported` } };
  }
}
