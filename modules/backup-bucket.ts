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
import { BACKUP_BUCKET_PART_NAMES, PUBLIC_RESOURCE_NAMES } from "../lib/addresses";
import { hclList } from "../lib/hcl";
import {
  ABORT_MULTIPART_DAYS,
  BUCKET_NAME_INFIX,
  BUCKET_PREFIX_PART_MAX,
  EXPORTS_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
  WORK_EXPIRATION_DAYS,
  WORK_PREFIX,
} from "../lib/pipeline/config";
import { IA_CLASSES, IA_MIN_DAYS } from "./export-pipeline-variables";
import { oneOrNull, only } from "./refs";

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
  /** The bucket's name, for resources counted like the bucket (an expression without `${}`). */
  public readonly nameExpr: string;
  /** The bucket's ARN, for resources counted like the bucket (an expression without `${}`). */
  public readonly arnExpr: string;
  /** The bucket's name, or null when there is no bucket (an expression without `${}`). */
  public readonly nameOrNullExpr: string;
  /** The bucket's ARN, or null when there is no bucket (an expression without `${}`). */
  public readonly arnOrNullExpr: string;
  private readonly count: number;
  /** `${<bucket id>}` for the bucket's settings resources. */
  private readonly bucketRef: string;

  constructor(scope: Construct, id: string, props: BackupBucketProps) {
    super(scope, id);
    this.count = Token.asNumber(`\${${props.countExpr}}`);
    this.bucket = this.createBucket(props);
    this.nameExpr = only(this.bucket, "bucket");
    this.arnExpr = only(this.bucket, "arn");
    this.nameOrNullExpr = oneOrNull(this.bucket, "bucket");
    this.arnOrNullExpr = oneOrNull(this.bucket, "arn");
    this.bucketRef = `\${${only(this.bucket, "id")}}`;

    const versioning = this.enableVersioning();
    this.encryptWithKey(props.kmsKeyArnExpr);
    const publicAccess = this.blockPublicAccess();
    this.enforceBucketOwner();
    this.denyRequestsWithoutTls(publicAccess);
    this.addLifecycleRules(props, versioning);
    this.addObjectLock(props, versioning);
  }

  /**
   * Without an explicit name the provider makes a unique one from bucket_prefix (bucket names are global). The name
   * depends on nothing that can be unknown at plan, so the bucket is never planned for replacement by accident.
   */
  private createBucket(props: BackupBucketProps): S3Bucket {
    const prefixPart = `trim(substr(replace(lower(${props.prefixExpr}), "/[^a-z0-9-]/", "-"), 0, ${BUCKET_PREFIX_PART_MAX}), "-")`;
    const bucket = new S3Bucket(this, "bucket", {
      count: this.count,
      bucket: `\${${props.bucketNameExpr}}`,
      bucketPrefix: `\${${props.bucketNameExpr} == null ? "\${join("-", compact([${prefixPart}, "${BUCKET_NAME_INFIX}"]))}-" : null}`,
      tags: Token.asStringMap(`\${${props.tagsExpr}}`),
    });
    bucket.overrideLogicalId(PUBLIC_RESOURCE_NAMES.backupBucket);
    return bucket;
  }

  private enableVersioning(): S3BucketVersioningA {
    const versioning = new S3BucketVersioningA(this, "versioning", {
      count: this.count,
      bucket: this.bucketRef,
      versioningConfiguration: { status: "Enabled" },
    });
    versioning.overrideLogicalId(BACKUP_BUCKET_PART_NAMES.versioning);
    return versioning;
  }

  private encryptWithKey(kmsKeyArnExpr: string): void {
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      count: this.count,
      bucket: this.bucketRef,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: `\${${kmsKeyArnExpr}}` },
          bucketKeyEnabled: true,
        },
      ],
    }).overrideLogicalId(BACKUP_BUCKET_PART_NAMES.encryption);
  }

  private blockPublicAccess(): S3BucketPublicAccessBlock {
    const publicAccess = new S3BucketPublicAccessBlock(this, "public_access", {
      count: this.count,
      bucket: this.bucketRef,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    publicAccess.overrideLogicalId(BACKUP_BUCKET_PART_NAMES.publicAccess);
    return publicAccess;
  }

  private enforceBucketOwner(): void {
    new S3BucketOwnershipControls(this, "ownership", {
      count: this.count,
      bucket: this.bucketRef,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }).overrideLogicalId(BACKUP_BUCKET_PART_NAMES.ownership);
  }

  private denyRequestsWithoutTls(publicAccess: S3BucketPublicAccessBlock): void {
    const tlsOnly = new DataAwsIamPolicyDocument(this, "tls_only", {
      count: this.count,
      statement: [
        {
          sid: "DenyRequestsWithoutTls",
          effect: "Deny",
          actions: ["s3:*"],
          resources: [`\${${this.arnExpr}}`, `\${${this.arnExpr}}/*`],
          principals: [{ type: "*", identifiers: ["*"] }],
          condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
        },
      ],
    });
    tlsOnly.overrideLogicalId(BACKUP_BUCKET_PART_NAMES.policy);
    new S3BucketPolicy(this, "policy", {
      count: this.count,
      bucket: this.bucketRef,
      policy: `\${${only(tlsOnly, "json")}}`,
      dependsOn: [publicAccess],
    }).overrideLogicalId(BACKUP_BUCKET_PART_NAMES.policy);
  }

  private addLifecycleRules(props: BackupBucketProps, versioning: S3BucketVersioningA): void {
    const lifecycle = new S3BucketLifecycleConfiguration(this, "lifecycle", {
      count: this.count,
      bucket: this.bucketRef,
      dependsOn: [versioning],
      lifecycle: { precondition: lifecyclePreconditions(props) },
    });
    lifecycle.overrideLogicalId(BACKUP_BUCKET_PART_NAMES.lifecycle);
    lifecycle.addOverride("rule", lifecycleRules(props));
  }

  private addObjectLock(props: BackupBucketProps, versioning: S3BucketVersioningA): void {
    const lock = new S3BucketObjectLockConfigurationA(this, "object_lock", {
      count: Token.asNumber(`\${${props.countExpr} == 1 && ${props.objectLockModeExpr} != null ? 1 : 0}`),
      bucket: this.bucketRef,
      rule: {
        defaultRetention: {
          mode: `\${${props.objectLockModeExpr}}`,
          days: Token.asNumber(`\${${props.objectLockDaysExpr}}`),
        },
      },
      dependsOn: [versioning],
    });
    lock.overrideLogicalId(BACKUP_BUCKET_PART_NAMES.objectLock);
  }
}

/** The lifecycle settings S3 would reject, or that would make no sense, caught at plan with a clear message. */
function lifecyclePreconditions(props: BackupBucketProps): { condition: string; errorMessage: string }[] {
  return [
    {
      condition: `\${${props.expirationDaysExpr} == null || ${props.transitionDaysExpr} == null || try(${props.expirationDaysExpr} > ${props.transitionDaysExpr}, false)}`,
      errorMessage:
        "backup_expiration_days must be greater than backup_transition_days (objects would expire before they move to the colder class).",
    },
    {
      condition: `\${!contains(${hclList(IA_CLASSES)}, ${props.transitionStorageClassExpr}) || ${props.transitionDaysExpr} == null || try(${props.transitionDaysExpr} >= ${IA_MIN_DAYS}, false)}`,
      errorMessage: `backup_transition_days must be >= ${IA_MIN_DAYS} when backup_transition_storage_class is ${IA_CLASSES.join(" or ")} (an S3 rule).`,
    },
  ];
}

/**
 * The lifecycle rules, written as Terraform JSON (cdktf cannot express the dynamic transition and expiration blocks):
 * exports and reports age out; export pointers keep only their latest version; scan scratch state and incomplete
 * uploads are cleaned up.
 */
function lifecycleRules(props: BackupBucketProps): Record<string, unknown>[] {
  const noncurrent = { noncurrent_days: `\${${props.noncurrentExpirationDaysExpr}}` };
  return [
    agingRule(props, EXPORTS_PREFIX, true),
    agingRule(props, REPORTS_PREFIX, false),
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
  ];
}

/** Objects under `prefix/` expire (and, with `withTransition`, first move to the colder class) per the inputs. */
function agingRule(props: BackupBucketProps, prefix: string, withTransition: boolean): Record<string, unknown> {
  const transition = {
    transition: {
      for_each: `\${${props.transitionDaysExpr} == null ? [] : [${props.transitionDaysExpr}]}`,
      content: { days: "${transition.value}", storage_class: `\${${props.transitionStorageClassExpr}}` },
    },
  };
  return {
    id: prefix,
    status: "Enabled",
    filter: [{ prefix: `${prefix}/` }],
    noncurrent_version_expiration: [{ noncurrent_days: `\${${props.noncurrentExpirationDaysExpr}}` }],
    dynamic: {
      ...(withTransition ? transition : {}),
      expiration: {
        for_each: `\${${props.expirationDaysExpr} == null ? [] : [${props.expirationDaysExpr}]}`,
        content: { days: "${expiration.value}" },
      },
    },
  };
}
