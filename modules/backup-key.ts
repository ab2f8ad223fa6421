import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PUBLIC_RESOURCE_NAMES, RESOURCE_NAMES } from "../lib/addresses";
import { oneOrNull, only } from "./refs";

/** KMS waits this many days before deleting a scheduled key (the maximum: time to notice a mistake). */
export const KEY_DELETION_WINDOW_DAYS = 30;

export interface BackupKeyProps {
  /** Expression (without `${}`) for the resources' count. */
  readonly countExpr: string;
  readonly nameBaseExpr: string;
  readonly accountIdExpr: string;
  readonly partitionExpr: string;
  readonly tagsExpr: string;
}

/**
 * The customer-managed KMS key of the backup bucket and the alarm topic, created when `kms_key_arn` is null: yearly
 * rotation, a 30-day deletion window, administered by the account, usable by CloudWatch alarms (to publish to the
 * encrypted topic). The pipeline's roles get their own, narrower grants in their IAM policies.
 */
export class BackupKey extends Construct {
  public readonly key: KmsKey;
  /** The key's ARN, or null when the module creates no key (an expression without `${}`). */
  public readonly arnOrNullExpr: string;

  constructor(scope: Construct, id: string, props: BackupKeyProps) {
    super(scope, id);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const root = `arn:\${${props.partitionExpr}}:iam::\${${props.accountIdExpr}}:root`;

    const policy = new DataAwsIamPolicyDocument(this, "policy", {
      count,
      statement: [
        {
          // KMS's default key policy: without it the key could become unmanageable.
          sid: "AccountAdministersKey",
          effect: "Allow",
          actions: ["kms:*"],
          resources: ["*"],
          principals: [{ type: "AWS", identifiers: [root] }],
        },
        {
          sid: "CloudWatchAlarmsPublishToEncryptedTopic",
          effect: "Allow",
          actions: ["kms:Decrypt", "kms:GenerateDataKey"],
          resources: ["*"],
          principals: [{ type: "Service", identifiers: ["cloudwatch.amazonaws.com"] }],
          condition: [{ test: "StringEquals", variable: "aws:SourceAccount", values: [`\${${props.accountIdExpr}}`] }],
        },
      ],
    });
    policy.overrideLogicalId(RESOURCE_NAMES.backupKeyPolicy);

    this.key = new KmsKey(this, "key", {
      count,
      description: `Backups of the DynamoDB tables of \${${props.nameBaseExpr}} (exports, alarm topic).`,
      enableKeyRotation: true,
      deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      policy: `\${${only(policy, "json")}}`,
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    this.key.overrideLogicalId(PUBLIC_RESOURCE_NAMES.backupKey);
    this.arnOrNullExpr = oneOrNull(this.key, "arn");

    const alias = new KmsAlias(this, "alias", {
      count,
      name: `alias/\${${props.nameBaseExpr}}-dynamo-backups`,
      targetKeyId: `\${${only(this.key, "keyId")}}`,
    });
    alias.overrideLogicalId(PUBLIC_RESOURCE_NAMES.backupKeyAlias);
  }
}
