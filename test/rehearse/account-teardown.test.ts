/**
 * The last step of `rehearse --target aws`'s teardown with a stand-in for terraform (the whole teardown runs against
 * moto in aws-guards.moto.test.ts and aws-history.moto.test.ts): the managed tables — not data sources — are forgotten
 * before destroy; a destroy that S3 refuses because the bucket was written to again (BucketNotEmpty) empties it and
 * destroys once more; any other failure is reported as a failed step and says where to destroy by hand.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { generatedBucketNameStart } from "../../lib/pipeline/config";
import { destroyTheRest } from "../../lib/rehearse/account-teardown";
import { StepLog } from "../../lib/rehearse/report";
import type { RehearsalWorkspace } from "../../lib/rehearse/workspace";

const STATE = [
  "module.data_persistence.aws_dynamodb_table.granules_table",
  'module.data_persistence.aws_dynamodb_table.tables["Providers.Table"]',
  "module.data_persistence.data.aws_dynamodb_table.existing",
  "module.data_persistence.aws_s3_bucket.backup_bucket[0]",
].join("\n");

function fakeWorkspace(destroyFailures: string[]): { ws: RehearsalWorkspace; calls: string[][] } {
  const calls: string[][] = [];
  const run = async (args: string[]): Promise<{ stdout: string }> => {
    calls.push(args);
    if (args[0] === "state" && args[1] === "list") return { stdout: `${STATE}\n` };
    if (args[0] === "destroy") {
      const failure = destroyFailures.shift();
      if (failure !== undefined) throw new Error(`terraform destroy failed (exit 1):\n${failure}`);
      return { stdout: "Destroy complete! Resources: 12 destroyed.\n" };
    }
    return { stdout: "" };
  };
  return { ws: { root: "/scratch/root", terraform: { run } } as unknown as RehearsalWorkspace, calls };
}

describe("destroyTheRest", () => {
  it("forgets the managed tables (not data sources), then destroys", async () => {
    const { ws, calls } = fakeWorkspace([]);
    const log = new StepLog(new PassThrough());
    expect(await destroyTheRest(ws, log, () => Promise.reject(new Error("not called")))).toBe(true);
    expect(calls).toEqual([
      ["state", "list"],
      [
        "state",
        "rm",
        "module.data_persistence.aws_dynamodb_table.granules_table",
        'module.data_persistence.aws_dynamodb_table.tables["Providers.Table"]',
      ],
      ["destroy", "-auto-approve", "-input=false", "-no-color"],
    ]);
    expect(log.steps.map((s) => [s.status, s.detail])).toEqual([
      ["pass", "Destroy complete! Resources: 12 destroyed."],
    ]);
  });

  it("empties the bucket again and destroys once more when S3 says BucketNotEmpty", async () => {
    const { ws, calls } = fakeWorkspace(["Error: deleting S3 Bucket (rehearsal-x-ddb-backups-1): BucketNotEmpty"]);
    let emptied = 0;
    const log = new StepLog(new PassThrough());
    expect(await destroyTheRest(ws, log, async () => emptied++)).toBe(true);
    expect(emptied).toBe(1);
    expect(calls.filter((c) => c[0] === "destroy")).toHaveLength(2);
    expect(log.steps.map((s) => s.status)).toEqual(["pass"]);
  });

  it("any other failure: a failed step naming where to destroy by hand, no retry", async () => {
    const { ws, calls } = fakeWorkspace(["Error: AccessDenied: not allowed to delete the key"]);
    let emptied = 0;
    const log = new StepLog(new PassThrough());
    expect(await destroyTheRest(ws, log, async () => emptied++)).toBe(false);
    expect(emptied).toBe(0);
    expect(calls.filter((c) => c[0] === "destroy")).toHaveLength(1);
    expect(log.steps[0]).toMatchObject({ status: "fail" });
    expect(log.steps[0]!.detail).toContain("AccessDenied");
    expect(log.steps[0]!.fix).toBe(
      "run terraform destroy in /scratch/root by hand (the scratch folder is kept when this fails)",
    );
  });
});

describe("generatedBucketNameStart (the module's bucket_prefix rule)", () => {
  it.each([
    ["rehearsal-team1", "rehearsal-team1-ddb-backups-"],
    ["Rehearsal_Long_Prefix_Name", "rehearsal-long-prefi-ddb-backups-"],
    ["rehearsal-abcdefghi-x", "rehearsal-abcdefghi-ddb-backups-"],
  ])("%s → %s", (prefix, start) => {
    expect(generatedBucketNameStart(prefix)).toBe(start);
  });
});
