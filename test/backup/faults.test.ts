/**
 * Backup → restore of 20,000 items through a loopback proxy that injects throttling
 * (ProvisionedThroughputExceededException), HTTP 500s, dropped connections (before the server sees the request,
 * and after it applied it) and partially processed batches (UnprocessedItems). The restored table must be
 * bit-identical to the source.
 */
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoClient } from "../../lib/aws";
import { parseLocation } from "../../lib/export-format";
import { backupTable } from "../../lib/table-io";
import { startDynalite, type DynamoServer } from "../support/dynamo-local";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy";
import { client, createTable, dr, makeItems, seed, simpleTable, snapshot, useEndpoint } from "./helpers";

const N = 20_000;
const FAULTS = { throttle: 0.06, serverError: 0.04, dropBefore: 0.02, dropAfter: 0.02, unprocessed: 0.1 };

describe("backup → restore of 20,000 items under injected faults (dynalite behind the fault proxy)", () => {
  let server: DynamoServer;
  let proxy: FaultProxy;
  let direct: DynamoDBClient;
  let dir: string;

  beforeAll(async () => {
    server = await startDynalite();
    direct = client(server.endpoint);
    await createTable(direct, simpleTable("faulty-src"));
    await seed(direct, "faulty-src", makeItems(N, 300));
    proxy = await startFaultProxy({ target: server.endpoint, seed: 42, ...FAULTS });
    useEndpoint(proxy.endpoint);
    dir = mkdtempSync(join(tmpdir(), "faults-"));
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends with a bit-identical table, every fault type having happened", async () => {
    const out = join(dir, "backup");
    // Small pages so that the scan itself meets many faults (~100 Scan requests).
    const b = await backupTable({
      client: dynamoClient(),
      tableName: "faulty-src",
      out: parseLocation(out),
      segments: 8,
      pageLimit: 200,
    });
    expect(b.itemCount).toBe(N);
    const scanFaults =
      proxy.stats.throttled + proxy.stats.serverErrors + proxy.stats.droppedBefore + proxy.stats.droppedAfter;
    expect(scanFaults).toBeGreaterThan(0);

    const res = await dr(["restore-files", out, "--table", "faulty-dst", "--create-table", "--quiet", "--json"], {
      cwd: dir,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.json()).toMatchObject({ writtenItems: N, expectedItems: N });
    expect(res.json<{ retries: number }>().retries).toBeGreaterThan(0);

    expect(proxy.stats.throttled).toBeGreaterThan(10);
    expect(proxy.stats.serverErrors).toBeGreaterThan(5);
    expect(proxy.stats.droppedBefore).toBeGreaterThan(2);
    expect(proxy.stats.droppedAfter).toBeGreaterThan(2);
    expect(proxy.stats.unprocessedItems).toBeGreaterThan(100);

    const [src, dst] = await Promise.all([snapshot(direct, "faulty-src"), snapshot(direct, "faulty-dst")]);
    expect(dst).toHaveLength(N);
    expect(dst).toEqual(src);

    // And verify --table agrees, through the faults too.
    const v = await dr(["verify", out, "--table", "faulty-dst", "--quiet"]);
    expect(v.code, v.stderr).toBe(0);
  });
});
