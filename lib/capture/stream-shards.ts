/**
 * The shards of a DynamoDB stream and their lineage, as DescribeStream lists them (paginated with
 * ExclusiveStartShardId). The seal follows this lineage (lib/capture/lineage.ts). The streams client is loaded on first
 * use only, so the seal function's cold start does not pay for it before it has an hour to seal.
 */
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { annotateErrors } from "../aws";

/** One shard as the seal needs it. */
export interface StreamShard {
  readonly shardId: string;
  /** Absent for a shard without parent (or whose parent the stream no longer lists). */
  readonly parentShardId?: string;
  readonly startingSequenceNumber?: string;
  /** Set once the shard is closed: the sequence number of its last record. */
  readonly endingSequenceNumber?: string;
}

/**
 * Lists a stream's shards; undefined when the stream does not exist any more (table deleted, stream turned off and
 * aged out). Any other failure (access denied, throttling) throws: the seal must not pass an hour it could not check.
 */
export type ShardDirectory = (streamArn: string) => Promise<readonly StreamShard[] | undefined>;

/** DescribeStream returns at most this many shards per page. */
export const DESCRIBE_STREAM_PAGE = 100;

let client: DynamoDBStreamsClient | undefined;

async function streamsClient(): Promise<{
  client: DynamoDBStreamsClient;
  sdk: typeof import("@aws-sdk/client-dynamodb-streams");
}> {
  const sdk = await import("@aws-sdk/client-dynamodb-streams");
  client ??= annotateErrors(new sdk.DynamoDBStreamsClient({}));
  return { client, sdk };
}

/** Every shard of a stream, all pages. */
export const describeStreamShards: ShardDirectory = async (streamArn) => {
  const { client: streams, sdk } = await streamsClient();
  const shards: StreamShard[] = [];
  let start: string | undefined;
  do {
    let page;
    try {
      page = await streams.send(
        new sdk.DescribeStreamCommand({
          StreamArn: streamArn,
          Limit: DESCRIBE_STREAM_PAGE,
          ExclusiveStartShardId: start,
        }),
      );
    } catch (err) {
      if (err instanceof sdk.ResourceNotFoundException) return undefined;
      throw err;
    }
    for (const s of page.StreamDescription?.Shards ?? []) {
      if (s.ShardId === undefined) continue;
      shards.push({
        shardId: s.ShardId,
        ...(s.ParentShardId === undefined ? {} : { parentShardId: s.ParentShardId }),
        ...(s.SequenceNumberRange?.StartingSequenceNumber === undefined
          ? {}
          : { startingSequenceNumber: s.SequenceNumberRange.StartingSequenceNumber }),
        ...(s.SequenceNumberRange?.EndingSequenceNumber === undefined
          ? {}
          : { endingSequenceNumber: s.SequenceNumberRange.EndingSequenceNumber }),
      });
    }
    start = page.StreamDescription?.LastEvaluatedShardId;
  } while (start !== undefined);
  return shards;
};

/** Forgets the cached client (tests switch endpoints between files). */
export function resetStreamsClient(): void {
  client = undefined;
}
