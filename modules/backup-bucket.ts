import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketObjectLockConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { hclList } from "../lib/hcl";
import {
  ABORT_MULTIPART_DAYS,
  EXPORTS_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
  WORK_EXPIRATION_DAYS,
  WORK_PREFIX,
} from "../lib/pipeline/config";
import { IA_CLASSES, IA_MIN_DAYS } from "./export-pipeline-variables";

/** The generated bucket name starts with this many characters (at most) of the lowercased prefix. */
export const BUCKET_PREFIX_PART_MAX = 20;
/** `<prefix part>-ddb-backups-` + the 26 characters the provider appends (bucket_prefix is at most 37 characters). */
export const BUCKET_NAME_INFIX = "ddb-backups";

/** Terraform expressions (without `${}`) for the bucket's settings. */
export interface BackupBucketProps {
  readonly countExpr: string;
  readonly prefixExpr: string;
  readonly tagsExpr: string;
  /** ARN of the KMS key for SSE-KMS. */
  readonly kmsKeyArnExpr: string;
  /** Explicit bucket name, or null. */
  readonly bucketNameExpr: string;
  readonly transitionDaysExpr: string;
  readonly transitionStorageClassExpr: string;
  readonly expirationDaysExpr: string;
  readonly noncurrentExpirationDaysExpr: string;
  readonly objectLockModeExpr: string;
  readonly objectLockDaysExpr: string;
}

/**
 * The backup bucket: versioned, SSE-KMS with a bucket key, all public access blocked, objects owned by the bucket
 * owner, a policy denying any request without TLS, lifecycle rules (exports move to a colder class, then expire;
 * noncurrent versions expire; scan scratch state and incomplete uploads are cleaned up), and optional Object Lock.
 */
export class BackupBucket extends Construct {
  public readonly bucket: S3Bucket;
  /** `aws_s3_bucket.backup_bucket[0].bucket` */
  public readonly nameExpr = "aws_s3_bucket.backup_bucket[0].bucket";
  /** `aws_s3_bucket.backup_bucket[0].arn` */
  public readonly arnExpr = "aws_s3_bucket.backup_bucket[0].arn";

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    const count = Token.asNumber(`\${${props.countExpr}}`);
    const bucketRef = "${aws_s3_bucket.backup_bucket[0].id}";
    const prefixPart = `trim(substr(replace(lower(${props.prefixExpr}), "/[^a-z0-9-]/", "-"), 0, ${BUCKET_PREFIX_PART_MAX}), "-")`;

    // Without an explicit name the provider makes a unique one from bucket_prefix (bucket names are global). The name
    // depends on nothing that can be unknown at plan, so the bucket is never planned for replacement by accident.
    this.bucket = new S3Bucket(this, "bucket", {
      count,
      bucket: `\${${props.bucketNameExpr}}`,
      bucketPrefix: `\${${props.bucketNameExpr} == null ? "\${join("-", compact([${prefixPart}, "${BUCKET_NAME_INFIX}"]))}-" : null}`,
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    this.bucket.overrideLogicalId("backup_bucket");

    const versioning = new S3BucketVersioningA(this, "versioning", {
      count,
      bucket: bucketRef,
      versioningConfiguration: { status: "Enabled" },
    });
    versioning.overrideLogicalId("backup_bucket_versioning");

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      count,
      bucket: bucketRef,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: `\${${props.kmsKeyArnExpr}}` },
          bucketKeyEnabled: true,
        },
      ],
    }).overrideLogicalId("backup_bucket_encryption");

    const publicAccess = new S3BucketPublicAccessBlock(this, "public_access", {
      count,
      bucket: bucketRef,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    publicAccess.overrideLogicalId("backup_bucket_public_access");

    new S3BucketOwnershipControls(this, "ownership", {
      count,
      bucket: bucketRef,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }).overrideLogicalId("backup_bucket_ownership");

    const tlsOnly = new DataAwsIamPolicyDocument(this, "tls_only", { count });
    tlsOnly.overrideLogicalId("backup_bucket_policy");
    tlsOnly.addOverride("statement", [
      {
        sid: "DenyRequestsWithoutTls",
        effect: "Deny",
        actions: ["s3:*"],
        resources: [`\${${this.arnExpr}}`, `\${${this.arnExpr}}/*`],
        principals: [{ type: "*", identifiers: ["*"] }],
        condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
      },
    ]);
    new S3BucketPolicy(this, "policy", {
      count,
      bucket: bucketRef,
      policy: "${data.aws_iam_policy_document.backup_bucket_policy[0].json}",
      dependsOn: [publicAccess],
    }).overrideLogicalId("backup_bucket_policy");

    const lifecycle = new S3BucketLifecycleConfiguration(this, "lifecycle", {
      count,
      bucket: bucketRef,
      dependsOn: [versioning],
      lifecycle: {
        precondition: [
          {
            condition: `\${${props.expirationDaysExpr} == null || ${props.transitionDaysExpr} == null || try(${props.expirationDaysExpr} > ${props.transitionDaysExpr}, false)}`,
            errorMessage:
              "backup_expiration_days must be greater than backup_transition_days (objects would expire before they move to the colder class).",
          },
          {
            condition: `\${!contains(${hclList(IA_CLASSES)}, ${props.transitionStorageClassExpr}) || ${props.transitionDaysExpr} == null || try(${props.transitionDaysExpr} >= ${IA_MIN_DAYS}, false)}`,
            errorMessage: `backup_transition_days must be >= ${IA_MIN_DAYS} when backup_transition_storage_class is ${IA_CLASSES.join(" or ")} (an S3 rule).`,
          },
        ],
      },
    });
    lifecycle.overrideLogicalId("backup_bucket_lifecycle");
    const noncurrent = { noncurrent_days: `\${${props.noncurrentExpirationDaysExpr}}` };
    const aging = (prefix: string, withTransition: boolean): Record<string, unknown> => ({
      id: prefix,
      status: "Enabled",
      filter: [{ prefix: `${prefix}/` }],
      noncurrent_version_expiration: [noncurrent],
      dynamic: {
        ...(withTransition
          ? {
              transition: {
                for_each: `\${${props.transitionDaysExpr} == null ? [] : [${props.transitionDaysExpr}]}`,
                content: { days: "${transition.value}", storage_class: `\${${props.transitionStorageClassExpr}}` },
              },
            }
          : {}),
        expiration: {
          for_each: `\${${props.expirationDaysExpr} == null ? [] : [${props.expirationDaysExpr}]}`,
          content: { days: "${expiration.value}" },
        },
      },
    });
    lifecycle.addOverride("rule", [
      aging(EXPORTS_PREFIX, true),
      aging(REPORTS_PREFIX, false),
      {
        // Pointers are overwritten on every export: keep the latest, drop old versions.
        id: STATE_PREFIX,
        status: "Enabled",
        filter: [{ prefix: `${STATE_PREFIX}/` }],
        noncurrent_version_expiration: [noncurrent],
      },
      {
        id: WORK_PREFIX,
        status: "Enabled",
        filter: [{ prefix: `${WORK_PREFIX}/` }],
        expiration: [{ days: WORK_EXPIRATION_DAYS }],
        noncurrent_version_expiration: [{ noncurrent_days: 1 }],
      },
      {
        id: "abort-incomplete-uploads",
        status: "Enabled",
        filter: [{ prefix: "" }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: ABORT_MULTIPART_DAYS }],
      },
    ]);

    const lock = new S3BucketObjectLockConfigurationA(this, "object_lock", {
      count: Token.asNumber(`\${${props.countExpr} == 1 && ${props.objectLockModeExpr} != null ? 1 : 0}`),
      bucket: bucketRef,
      rule: {
        defaultRetention: {
          mode: `\${${props.objectLockModeExpr}}`,
          days: Token.asNumber(`\${${props.objectLockDaysExpr}}`),
        },
      },
      dependsOn: [versioning],
    });
    lock.overrideLogicalId("backup_bucket_object_lock");
  }
}
