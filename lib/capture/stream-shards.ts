/**
 * The shards of a DynamoDB stream and their lineage, as DescribeStream lists them (paginated with
 * ExclusiveStartShardId). The seal follows this lineage (lib/capture/lineage.ts). The streams client is imported
 * statically: it shares the SDK core with the S3 client, and importing it lazily made no measurable difference to the
 * seal bundle's cold start (README, "Measured").
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ResourceNotFoundException,
} from "@aws-sdk/client-dynamodb-streams";
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

function streamsClient(): DynamoDBStreamsClient {
  client ??= annotateErrors(new DynamoDBStreamsClient({}));
  return client;
}

/** Every shard of a stream, all pages (the SDK has no paginator for DescribeStream). */
export const describeStreamShards: ShardDirectory = async (streamArn) => {
  const shards: StreamShard[] = [];
  let start: string | undefined;
  do {
    let page;
    try {
      page = await streamsClient().send(
        new DescribeStreamCommand({ StreamArn: streamArn, Limit: DESCRIBE_STREAM_PAGE, ExclusiveStartShardId: start }),
      );
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return undefined;
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
