# A plain HCL root module consuming the synthesized data-persistence module.
# Build the module first: `npm run synth` writes it to dist/modules/data-persistence.

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

variable "prefix" {
  type        = string
  description = "Prefix of every table name (<prefix>-<TableName>)."
  default     = "example"
}

variable "enable_point_in_time_tables" {
  type        = list(string)
  description = "Catalog names of the tables that get point-in-time recovery; null keeps the module's default list."
  default     = null
}

variable "point_in_time_recovery_period_days" {
  type        = number
  description = "Days of PITR history (1-35)."
  default     = 35
}

variable "table_name_overrides" {
  type        = map(string)
  description = "Catalog table name => physical table name, for tables restored under a new name."
  default     = {}
}

module "data_persistence" {
  source = "../../dist/modules/data-persistence"

  prefix                             = var.prefix
  enable_point_in_time_tables        = var.enable_point_in_time_tables
  point_in_time_recovery_period_days = var.point_in_time_recovery_period_days
  table_name_overrides               = var.table_name_overrides
  tags                               = { project = "dynamo-data-safe-example" }
}

output "dynamo_tables" {
  description = "The module's tables: short key => { name, arn, stream_arn }."
  value       = module.data_persistence.dynamo_tables
}
