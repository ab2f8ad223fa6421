/**
 * Shared AWS SDK v3 clients. They take every setting from the SDK's standard configuration
 * (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, AWS_MAX_ATTEMPTS, …),
 * so the same code runs against AWS or a local endpoint with no project-specific flags.
 * The bottom layer with lib/errors.ts: imports nothing from this project.
 */
import { AthenaClient, AthenaClientConfig } from "@aws-sdk/client-athena";
import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";

/** The non-enumerable property annotateErrors sets on an SDK error: "DynamoDB.RestoreTableToPointInTime". */
export const AWS_OPERATION_PROPERTY = "awsOperation";

let dynamo: DynamoDBClient | undefined;
let s3: S3Client | undefined;
let athena: AthenaClient | undefined;

interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      mw: (
        next: (args: unknown) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

/**
 * Called with "<Service>.<Operation>" ("DynamoDB.DescribeTable", "Backup.StartRestoreJob") before every call of a client
 * made by this module's factories: the permissions test records the calls a command makes with it.
 */
export const awsCallObservers: ((operation: string) => void)[] = [];

/**
 * Tells the observers about every call, and marks every error a client throws with the operation that failed ("DynamoDB.RestoreTableToPointInTime"), so the CLI can
 * say which call AWS refused (lib/cli/aws-errors.ts). Non-enumerable: JSON output and logs of the error are unchanged.
 */
export function annotateErrors<C extends object>(client: C): C {
  (client as unknown as MiddlewareClient).middlewareStack.add(
    (next, context) => async (args) => {
      const service = (context.clientName ?? "AWS").replace(/Client$/, "");
      const operation = `${service}.${(context.commandName ?? "call").replace(/Command$/, "")}`;
      for (const observe of awsCallObservers) observe(operation);
      try {
        return await next(args);
      } catch (err) {
        if (err instanceof Error && !Object.prototype.hasOwnProperty.call(err, AWS_OPERATION_PROPERTY)) {
          Object.defineProperty(err, AWS_OPERATION_PROPERTY, { value: operation, enumerable: false });
        }
        throw err;
      }
    },
    { step: "initialize", name: "annotateAwsOperationOnError" },
  );
  return client;
}

/** The process-wide DynamoDB client (created on first use). */
export function dynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  if (Object.keys(config).length > 0) return annotateErrors(new DynamoDBClient(config));
  dynamo ??= annotateErrors(new DynamoDBClient({}));
  return dynamo;
}

/** The process-wide S3 client. Path-style addressing when a custom endpoint is set (local servers need it). */
export function s3Client(config: S3ClientConfig = {}): S3Client {
  if (Object.keys(config).length > 0) return annotateErrors(new S3Client(config));
  const custom = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  s3 ??= annotateErrors(new S3Client(custom === undefined ? {} : { forcePathStyle: true }));
  return s3;
}

/** The process-wide Athena client (`rebuild --engine athena`; AWS_ENDPOINT_URL_ATHENA for a local endpoint). */
export function athenaClient(config: AthenaClientConfig = {}): AthenaClient {
  if (Object.keys(config).length > 0) return annotateErrors(new AthenaClient(config));
  athena ??= annotateErrors(new AthenaClient({}));
  return athena;
}

/** Forgets cached clients (tests switch endpoints between files). */
export function resetClients(): void {
  dynamo = undefined;
  s3 = undefined;
  athena = undefined;
}
