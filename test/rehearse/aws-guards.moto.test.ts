/**
 * `rehearse --target aws`: the guards, against moto_server on loopback (never a real account; the suite runs in a
 * private network namespace). The cost estimate comes first; a table or bucket with the prefix that the rehearsal did
 * not create is refused; without --yes and without a terminal it refuses to proceed; with --yes it stops before
 * creating anything (running the scenarios in AWS is not in this version). Nothing is ever created.
 */
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { physicalTableName } from "../../lib/catalog";
import { EXIT } from "../../lib/cli/errors";
import { loadProjectCatalog } from "../../lib/project-config";
import { createCatalogTable, runDr, useEndpoint } from "../dr/helpers";
import { startMoto, type Moto } from "../support/moto";
import { announceSkip, motoSkipReason } from "../support/tools";

const skip = announceSkip("rehearse --target aws guards on moto", motoSkipReason());
const catalog = loadProjectCatalog();

describe.skipIf(skip)("rehearse --target aws guards (moto on loopback)", () => {
  let moto: Moto;
  let ddb: DynamoDBClient;
  let s3: S3Client;

  const inventory = async (): Promise<string[]> => [
    ...((await ddb.send(new ListTablesCommand({}))).TableNames ?? []),
    ...((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => `bucket:${b.Name ?? ""}`),
  ];

  beforeAll(async () => {
    moto = await startMoto({ shim: false });
    useEndpoint(moto.endpoint);
    ddb = new DynamoDBClient({ endpoint: moto.endpoint, region: "us-east-1" });
    s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true });
    await createCatalogTable(ddb, catalog.tables[0]!, physicalTableName("rehearsal-taken", catalog.tables[0]!.name));
    await s3.send(new CreateBucketCommand({ Bucket: "rehearsal-bucket-backups" }));
  });

  afterAll(async () => {
    ddb?.destroy();
    s3?.destroy();
    await moto?.stop();
  });

  it.each([
    ["rehearsal-taken", `table ${physicalTableName("rehearsal-taken", catalog.tables[0]!.name)}`],
    ["rehearsal-bucket", "bucket rehearsal-bucket-backups"],
  ])("refuses --prefix %s: something with it exists that the rehearsal did not create", async (prefix, what) => {
    const before = await inventory();
    const res = await runDr(["rehearse", "--target", "aws", "--prefix", prefix, "--yes"]);
    expect(res.code).toBe(EXIT.precondition);
    expect(res.stderr.split("\n")[0]).toMatch(/^Estimated cost: /);
    expect(res.stderr.split("\n")[1]).toBe(
      `error: --prefix ${prefix}: 1 resource(s) with this prefix already exist, which this rehearsal did not create: ${what}. Choose another --prefix rehearsal-<name>, or delete them if they are left from an earlier rehearsal.`,
    );
    expect(await inventory()).toEqual(before);
  });

  it("asks for confirmation: without --yes and without a terminal it refuses, creating nothing", async () => {
    const before = await inventory();
    const res = await runDr(["rehearse", "--target", "aws", "--prefix", "rehearsal-fresh"]);
    expect(res.code).toBe(EXIT.aborted);
    expect(res.stderr).toContain("No terminal to ask for confirmation: re-run with --yes to proceed.");
    const declined = await runDr(["rehearse", "--target", "aws", "--prefix", "rehearsal-fresh"], { answer: "n" });
    expect(declined.code).toBe(EXIT.aborted);
    expect(await inventory()).toEqual(before);
  });

  it("with --yes, after every guard passed, it stops before creating anything (AWS runs are not in this version)", async () => {
    const before = await inventory();
    const res = await runDr(["rehearse", "--target", "aws", "--prefix", "rehearsal-fresh", "--yes"]);
    expect(res.code).toBe(EXIT.precondition);
    expect(res.stderr).toContain(
      "error: the guards passed, but running the scenarios in AWS is not part of this version: nothing was created.",
    );
    expect(await inventory()).toEqual(before);
  });
});
