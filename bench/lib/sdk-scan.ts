/**
 * The benchmark's reference scan: the same parallel Scan as lib/table-io/scan.ts (segments at once, one page of
 * read-ahead per segment, retries), but with items converted into SDK objects by the SDK's own deserializer — what
 * the product no longer does (it keeps items in wire form). Lives here because only the benchmark uses it.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { withRetry } from "../../lib/table-io/retry";

type Key = Record<string, AttributeValue>;

interface SdkPage {
  readonly count: number;
  readonly lastKey: Key | undefined;
}

/** Scans a table with SDK objects; returns the number of items (they are counted and dropped). */
export async function sdkParallelScan(
  client: DynamoDBClient,
  tableName: string,
  totalSegments: number,
): Promise<number> {
  let items = 0;
  const fetchPage = async (segment: number, startKey: Key | undefined): Promise<SdkPage> =>
    withRetry(async () => {
      const res = await client.send(
        new ScanCommand({
          TableName: tableName,
          Segment: segment,
          TotalSegments: totalSegments,
          ExclusiveStartKey: startKey,
        }),
      );
      return { count: res.Items?.length ?? 0, lastKey: res.LastEvaluatedKey };
    });
  const runSegment = async (segment: number): Promise<void> => {
    let pending: Promise<SdkPage> | undefined = fetchPage(segment, undefined);
    while (pending !== undefined) {
      const page: SdkPage = await pending;
      pending = page.lastKey === undefined ? undefined : fetchPage(segment, page.lastKey);
      items += page.count;
    }
  };
  await Promise.all(Array.from({ length: totalSegments }, (_, s) => runSegment(s)));
  return items;
}
