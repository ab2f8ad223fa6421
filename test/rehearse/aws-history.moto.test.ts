/**
 * `rehearse --target aws --scenario history`, never against a real account: the "account" is moto_server behind the
 * rehearsal's loopback proxy (which keeps the event source mappings and bucket policies moto mishandles), pointed at
 * with AWS_ENDPOINT_URL, inside the suite's private network namespace. moto never invokes Lambda, so a clearly named
 * test double (test/support/stream-mapping-double.ts) plays the Lambda service: it delivers the stream to the
 * deployed capture function's handler, in process, as the real mapping would. The rehearsal itself does only what it
 * does in AWS: it deploys the export pipeline and change capture, waits for the mapping's deliveries, recovers from the
 * history without sealing (recover checks the unsealed hours), and tears everything down — tables, backups, the
 * bucket's objects, then terraform destroy.
 */
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { localAwsEnv, startLocalAws, type LocalAws } from "../../lib/rehearse/moto";
import type { RehearsalReport } from "../../lib/rehearse/report";
import { runDr, useEndpoint } from "../dr/helpers";
import { getJson, startStreamMappingDouble, type StreamMappingDouble } from "../support/stream-mapping-double";
import { usePrivateTmpdir, type PrivateTmpdir } from "../support/private-tmpdir";
import { announceSkip, findPluginDir, motoSkipReason, terraformSkipReason } from "../support/tools";

const skip = announceSkip(
  "rehearse --target aws --scenario history on moto",
  motoSkipReason() ?? terraformSkipReason(),
);
const catalog = loadProjectCatalog();
const PREFIX = "rehearsal-hist";

describe.skipIf(skip)("rehearse --target aws, history scenario (moto on loopback)", () => {
  let aws: LocalAws;
  let double: StreamMappingDouble;
  let ddb: DynamoDBClient;
  let s3: S3Client;
  let tmp: PrivateTmpdir;
  const saved = { ...process.env };

  const inventory = async (): Promise<string[]> => {
    const fns = await getJson<{ Functions?: { FunctionName: string }[] }>(`${aws.endpoint}/2015-03-31/functions/`);
    return [
      ...((await ddb.send(new ListTablesCommand({}))).TableNames ?? []),
      ...((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => `bucket:${b.Name ?? ""}`),
      ...(fns.Functions ?? []).map((f) => `function:${f.FunctionName}`),
    ];
  };

  beforeAll(async () => {
    tmp = usePrivateTmpdir("rehearse-aws-history");
    aws = await startLocalAws(process.env);
    Object.assign(process.env, localAwsEnv(aws.endpoint));
    useEndpoint(aws.endpoint);
    const config = { endpoint: aws.endpoint, region: "us-east-1", maxAttempts: 2 };
    ddb = new DynamoDBClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    double = startStreamMappingDouble(aws.endpoint);
  });

  afterAll(async () => {
    await double?.stop();
    ddb?.destroy();
    s3?.destroy();
    await aws?.stop();
    tmp?.restore();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it(
    "deploys capture, waits for the mapping's deliveries, recovers from the history and destroys everything",
    async () => {
      const before = await inventory();
      const dir = mkdtempSync(join(tmpdir(), "dds-rehearse-aws-history-"));
      const catalogFile = join(dir, "catalog.json");
      const one = { ...catalog.tables.find((t) => t.name === "GranulesTable")!, pointInTimeByDefault: true };
      writeFileSync(catalogFile, JSON.stringify({ tables: [one] }));
      const scratch = (): string[] => tmp.scratchFolders();
      const scratchBefore = scratch();
      const env = { ...process.env, DDB_TABLE_CATALOG: catalogFile, TF_PLUGIN_DIR: findPluginDir() };
      const argv = ["rehearse", "--target", "aws", "--prefix", PREFIX, "--scenario", "history", "--yes", "--json"];
      const res = await runDr(argv, { env, cwd: dir });
      expect(res.stderr.split("\n").filter((l) => l.startsWith("error:"))).toEqual([]);
      const report = JSON.parse(res.stdout) as RehearsalReport;
      const failed = [...report.setup, ...report.scenarios.flatMap((s) => s.steps), ...report.teardown].filter(
        (s) => s.status === "fail",
      );
      expect(failed).toEqual([]);
      expect(res.code).toBe(EXIT.ok);
      expect(report).toMatchObject({ target: "aws", passed: true });
      expect(report.setup[0]!.name).toContain("change capture on for GranulesTable");
      const [history] = report.scenarios;
      expect([history!.scenario, history!.status]).toEqual(["history (GranulesTable)", "pass"]);
      const step = (prefix: string) => history!.steps.find((s) => s.name.startsWith(prefix));
      expect(step("capture: wait until the event source mapping")).toMatchObject({ status: "pass" });
      expect(step("capture: wait until the event source mapping")!.detail).toMatch(
        /^\d+ stream records on 1 shard\(s\) captured in \d+ object\(s\) by the deployed capture function$/,
      );
      expect(step("seal the captured hour(s)")).toMatchObject({ status: "skip" });
      expect(step("capture: the table's stream delivered")).toBeUndefined();
      expect(history!.steps.at(-1)?.detail).toBe("No changes. Your infrastructure matches the configuration.");
      expect(double.delivered()).toBeGreaterThan(0);
      expect(double.errors).toEqual([]);
      expect(report.teardown.map((s) => [s.name.split(" (")[0], s.status])).toEqual([
        [`delete every table named ${PREFIX}-* and its on-demand backups`, "pass"],
        ["empty the backup bucket", "pass"],
        ["terraform destroy", "pass"],
        ["remove the scratch folder", "pass"],
      ]);
      expect(report.teardown[1]!.detail).toMatch(/^rehearsal-hist-ddb-backups-[a-z0-9]+: \d+ object versions deleted$/);
      expect(report.teardown[2]!.detail).toMatch(/^Destroy complete! Resources: \d+ destroyed\.$/);
      expect(await inventory()).toEqual(before);
      expect(scratch()).toEqual(scratchBefore);
    },
    15 * 60_000,
  );
});
