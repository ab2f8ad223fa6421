import { AwsProvider, AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { DeployConfig, LOCAL_ENDPOINT_SERVICES, validateDeployInputNames } from "../lib/deploy-config";
import { moduleVariableNames } from "../lib/synth/terraform-variable";
import { DataPersistence } from "./data-persistence";

export interface DataPersistenceDeployStackProps {
  readonly catalog: TableCatalog;
  readonly config: DeployConfig;
}

/** The stack `cdktf deploy` applies: the same DataPersistence construct, plus a provider and a backend. */
export class DataPersistenceDeployStack extends TerraformStack {
  public readonly dataPersistence: DataPersistence;

  constructor(scope: Construct, id: string, props: DataPersistenceDeployStackProps) {
    super(scope, id);
    const { config } = props;
    new AwsProvider(this, "aws", { region: config.region, ...localProviderSettings(config.localEndpoint) });
    if (config.backend.type === "s3") {
      new S3Backend(this, {
        bucket: config.backend.bucket,
        key: config.backend.key,
        region: config.backend.region ?? config.region,
        encrypt: config.backend.encrypt ?? true,
      });
      // cdktf 0.21's S3Backend predates S3-native locking (Terraform >= 1.10); set it directly.
      this.addOverride("terraform.backend.s3.use_lockfile", config.backend.useLockfile ?? true);
    } else {
      new LocalBackend(this, { path: config.backend.path ?? `terraform.${id}.tfstate` });
    }
    this.dataPersistence = new DataPersistence(this, "data_persistence", {
      catalog: props.catalog,
      defaults: config.inputs,
    });
    validateDeployInputNames(config.inputs, moduleVariableNames(this.dataPersistence));
  }
}

/** Provider settings for a loopback endpoint: every service there, fake credentials, no lookups, few retries. */
function localProviderSettings(endpoint: string | undefined): Partial<AwsProviderConfig> {
  if (endpoint === undefined) return {};
  return {
    accessKey: "testing",
    secretKey: "testing",
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: "true",
    skipRegionValidation: true,
    s3UsePathStyle: true,
    maxRetries: 2,
    endpoints: [Object.fromEntries(LOCAL_ENDPOINT_SERVICES.map((s) => [s, endpoint]))],
  };
}
