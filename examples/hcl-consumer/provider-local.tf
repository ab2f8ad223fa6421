# LOCAL TEST BED ONLY: points the AWS provider at a loopback endpoint (moto_server) with fake credentials.
# For a real deployment, delete this file and configure the aws provider (region, credentials) as usual.

variable "aws_endpoint" {
  type        = string
  description = "Loopback AWS endpoint (moto_server), e.g. http://127.0.0.1:5000."
  default     = "http://127.0.0.1:5000"

  validation {
    condition     = can(regex("^http://(127\\.[0-9]+\\.[0-9]+\\.[0-9]+|localhost|\\[::1\\]):[0-9]+$", var.aws_endpoint))
    error_message = "aws_endpoint must be a loopback URL such as http://127.0.0.1:5000: this file never talks to real AWS."
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  max_retries                 = 2

  endpoints {
    dynamodb   = var.aws_endpoint
    s3         = var.aws_endpoint
    iam        = var.aws_endpoint
    sts        = var.aws_endpoint
    kms        = var.aws_endpoint
    lambda     = var.aws_endpoint
    sns        = var.aws_endpoint
    sqs        = var.aws_endpoint
    scheduler  = var.aws_endpoint
    cloudwatch = var.aws_endpoint
    sfn        = var.aws_endpoint
    backup     = var.aws_endpoint
    logs       = var.aws_endpoint
    events     = var.aws_endpoint
    glue       = var.aws_endpoint
    athena     = var.aws_endpoint
  }
}
