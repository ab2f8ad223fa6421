/**
 * The AWS Backup flags the DR commands share (--vault, --region, --iam-role-arn): their help and their checks.
 */
import { UsageError } from "../errors";
import type { AwsBackupTarget } from "../recover/vault";
import { OptionSpec, ParsedValues, optionalString } from "./command";

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const VAULT_NAME = /^[A-Za-z0-9_.-]{2,50}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export const VAULT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  vault: {
    type: "string",
    valueName: "<name>",
    description: "AWS Backup vault (default: the module's, <prefix>-dynamodb); a copy vault with --region.",
  },
  region: { type: "string", valueName: "<region>", description: "Region to work in (default AWS_REGION)." },
  "iam-role-arn": {
    type: "string",
    valueName: "<arn>",
    description: "Role AWS Backup uses (default: the module's <prefix>-ddb-backup role).",
  },
};

/** Reads and checks --vault, --region, --iam-role-arn. */
export function vaultFlags(values: ParsedValues): AwsBackupTarget {
  const vault = optionalString(values, "vault");
  const region = optionalString(values, "region");
  const iamRoleArn = optionalString(values, "iam-role-arn");
  if (vault !== undefined && !VAULT_NAME.test(vault)) {
    throw new UsageError(`--vault: "${vault}" is not allowed; a vault name is 2–50 letters, digits, "-", "_" or "."`);
  }
  if (region !== undefined && !REGION.test(region)) {
    throw new UsageError(`--region: "${region}" is not allowed; use a region code such as us-west-2`);
  }
  if (iamRoleArn !== undefined && !ROLE_ARN.test(iamRoleArn)) {
    throw new UsageError(
      `--iam-role-arn: "${iamRoleArn}" is not allowed; use a role ARN such as arn:aws:iam::123456789012:role/my-backup-role`,
    );
  }
  return { vault, region, iamRoleArn };
}
