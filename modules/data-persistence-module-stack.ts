import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { TableCatalog } from "../lib/catalog";
import { DataPersistence } from "./data-persistence";

export interface DataPersistenceModuleStackProps {
  readonly catalog: TableCatalog;
}

/**
 * The stack that becomes the reusable module. It carries a bare provider only so that cdktf records the
 * provider requirement; lib/synth/package-module.ts strips the provider block and the backend.
 */
export class DataPersistenceModuleStack extends TerraformStack {
  public readonly dataPersistence: DataPersistence;

  constructor(scope: Construct, id: string, props: DataPersistenceModuleStackProps) {
    super(scope, id);
    new AwsProvider(this, "aws", {});
    this.dataPersistence = new DataPersistence(this, "data_persistence", { catalog: props.catalog });
  }
}
