/**
 * The SNS client of the notify Lambda, made like the shared clients in lib/aws.ts (standard SDK configuration,
 * AWS_ENDPOINT_URL respected). It lives here so that only the functions that publish bundle the SNS client.
 */
import { SNSClient } from "@aws-sdk/client-sns";

let sns: SNSClient | undefined;

export function snsClient(): SNSClient {
  sns ??= new SNSClient({});
  return sns;
}

/** Forgets the cached client (tests switch endpoints between files). */
export function resetSnsClient(): void {
  sns = undefined;
}
