/**
 * The rehearsal proxy (lib/rehearse/proxy.ts) in front of a loopback upstream that records what reaches it (standing in
 * for moto): the calls it answers itself never reach the upstream, in the shapes the AWS SDKs and terraform read;
 * everything else is forwarded byte for byte.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRehearsalProxy, type RehearsalProxy } from "../../lib/rehearse/proxy";

const JSON_10 = "application/x-amz-json-1.0";

describe("rehearsal proxy", () => {
  let upstream: Server;
  let proxy: RehearsalProxy;
  const reached: { method: string; url: string; target: string; body: string }[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        reached.push({
          method: req.method ?? "",
          url: req.url ?? "",
          target: String(req.headers["x-amz-target"]),
          body,
        });
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ upstream: true, echo: body }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    proxy = await startRehearsalProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await proxy?.stop();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${proxy.endpoint}${path}`, init);
  const target = (t: string, body: unknown) =>
    call("/", { method: "POST", headers: { "x-amz-target": t, "content-type": JSON_10 }, body: JSON.stringify(body) });

  it("listens on loopback only", () => {
    expect(proxy.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("answers Step Functions' definition validation and version listing itself", async () => {
    const before = reached.length;
    const v = await target("AWSStepFunctions.ValidateStateMachineDefinition", { definition: "{}" });
    expect(await v.json()).toEqual({ result: "OK", diagnostics: [] });
    const l = await target("AWSStepFunctions.ListStateMachineVersions", { stateMachineArn: "arn:x" });
    expect(await l.json()).toEqual({ stateMachineVersions: [] });
    expect(reached.length).toBe(before);
  });

  it("forwards everything else unchanged (non-ASCII bodies included)", async () => {
    const body = { TableName: "t", Item: { k: { S: "répétition — 演習" } } };
    const r = await target("DynamoDB_20120810.PutItem", body);
    expect(await r.json()).toEqual({ upstream: true, echo: JSON.stringify(body) });
    expect(reached.at(-1)).toMatchObject({ method: "POST", target: "DynamoDB_20120810.PutItem" });
  });

  it("answers DescribeContinuousBackups with a simulated window for that table only", async () => {
    proxy.setPitrWindow("rehearsal-T", {
      earliest: new Date("2026-12-01T04:00:00Z"),
      latest: new Date("2026-12-01T05:00:00Z"),
    });
    const r = await target("DynamoDB_20120810.DescribeContinuousBackups", { TableName: "rehearsal-T" });
    expect(await r.json()).toEqual({
      ContinuousBackupsDescription: {
        ContinuousBackupsStatus: "ENABLED",
        PointInTimeRecoveryDescription: {
          PointInTimeRecoveryStatus: "ENABLED",
          EarliestRestorableDateTime: Date.parse("2026-12-01T04:00:00Z") / 1000,
          LatestRestorableDateTime: Date.parse("2026-12-01T05:00:00Z") / 1000,
        },
      },
    });
    const before = reached.length;
    await target("DynamoDB_20120810.DescribeContinuousBackups", { TableName: "other" });
    expect(reached.length).toBe(before + 1);
  });

  it("keeps event source mappings and their tags without forwarding or invoking anything", async () => {
    const before = reached.length;
    const spec = {
      FunctionName: "p-ddb-capture-changes",
      EventSourceArn: "arn:aws:dynamodb:us-east-1:123456789012:table/p-T/stream/2026",
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 1000,
      Tags: { project: "x" },
    };
    const created = (await (
      await call("/2015-03-31/event-source-mappings/", { method: "POST", body: JSON.stringify(spec) })
    ).json()) as Record<string, unknown>;
    expect(created).toMatchObject({
      FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:p-ddb-capture-changes",
      EventSourceArn: spec.EventSourceArn,
      StartingPosition: "TRIM_HORIZON",
      BatchSize: 1000,
      State: "Enabled",
    });
    expect(created).not.toHaveProperty("FunctionName");
    const uuid = created.UUID as string;
    const arn = created.EventSourceMappingArn as string;
    expect(await (await call(`/2015-03-31/event-source-mappings/${uuid}`)).json()).toEqual(created);
    const updated = (await (
      await call(`/2015-03-31/event-source-mappings/${uuid}`, {
        method: "PUT",
        body: JSON.stringify({ BatchSize: 10, Enabled: false }),
      })
    ).json()) as Record<string, unknown>;
    expect(updated).toMatchObject({ BatchSize: 10, State: "Disabled" });
    expect(await (await call(`/2017-03-31/tags/${encodeURIComponent(arn)}`)).json()).toEqual({
      Tags: { project: "x" },
    });
    const listed = (await (
      await call("/2015-03-31/event-source-mappings/?FunctionName=p-ddb-capture-changes")
    ).json()) as { EventSourceMappings: unknown[] };
    expect(listed.EventSourceMappings).toHaveLength(1);
    expect((await call(`/2015-03-31/event-source-mappings/${uuid}`, { method: "DELETE" })).status).toBe(202);
    const gone = await call(`/2015-03-31/event-source-mappings/${uuid}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException");
    expect(reached.length).toBe(before);
  });

  it("keeps bucket policies without forwarding them (so moto never enforces TLS-only on loopback http)", async () => {
    const before = reached.length;
    const missing = await call("/b-1?policy");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("<Code>NoSuchBucketPolicy</Code>");
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny" }] });
    expect((await call("/b-1?policy", { method: "PUT", body: policy })).status).toBe(204);
    expect(await (await call("/b-1?policy")).text()).toBe(policy);
    expect((await call("/b-1?policy", { method: "DELETE" })).status).toBe(204);
    expect((await call("/b-1?policy")).status).toBe(404);
    expect(reached.length).toBe(before);
    await call("/b-1/key.json", { method: "PUT", body: "x" });
    expect(reached.at(-1)).toMatchObject({ method: "PUT", url: "/b-1/key.json", body: "x" });
  });
});
