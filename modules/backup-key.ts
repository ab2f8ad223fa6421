import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Token } from "cdktf";
import { Construct } from "constructs";

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
  /** `aws_kms_key.backup_key` */
  public readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: BackupKeyProps) {
    super(scope, id);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const root = `arn:\${${props.partitionExpr}}:iam::\${${props.accountIdExpr}}:root`;

    const policy = new DataAwsIamPolicyDocument(this, "policy", { count });
    policy.overrideLogicalId("backup_key_policy");
    policy.addOverride("statement", [
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
    ]);

    this.key = new KmsKey(this, "key", {
      count,
      description: `Backups of the DynamoDB tables of \${${props.nameBaseExpr}} (exports, alarm topic).`,
      enableKeyRotation: true,
      deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
      policy: "${data.aws_iam_policy_document.backup_key_policy[0].json}",
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    this.key.overrideLogicalId("backup_key");

    const alias = new KmsAlias(this, "alias", {
      count,
      name: `alias/\${${props.nameBaseExpr}}-dynamo-backups`,
      targetKeyId: "${aws_kms_key.backup_key[0].key_id}",
    });
    alias.overrideLogicalId("backup_key_alias");
  }
}
