/**
 * Shared AWS SDK v3 clients. They take every setting from the SDK's standard configuration
 * (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, AWS_MAX_ATTEMPTS, …),
 * so the same code runs against AWS or a local endpoint with no project-specific flags.
 */
import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

let dynamo: DynamoDBClient | undefined;
let s3: S3Client | undefined;

/** The process-wide DynamoDB client (created on first use). */
export function dynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  if (Object.keys(config).length > 0) return new DynamoDBClient(config);
  dynamo ??= new DynamoDBClient({});
  return dynamo;
}

/** The process-wide S3 client. Path-style addressing when a custom endpoint is set (local servers need it). */
export function s3Client(config: S3ClientConfig = {}): S3Client {
  if (Object.keys(config).length > 0) return new S3Client(config);
  const custom = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  s3 ??= new S3Client(custom === undefined ? {} : { forcePathStyle: true });
  return s3;
}

/** Forgets cached clients (tests switch endpoints between files). */
export function resetClients(): void {
  dynamo = undefined;
  s3 = undefined;
}
