/**
 * The chain across an hour boundary. Each object names the object before it for the same shard, so a missing last
 * object of an hour is named by the next hour's first object — which the seal of the earlier hour has to look at:
 *
 * - sealing hour H, each shard's first object of hour H+1 (if it exists yet) must follow H's last object; when it
 *   follows an object of hour H that does not exist, hour H fails, naming the missing object;
 * - sealing a later hour, a missing object that belongs to an earlier hour also marks that hour FAILED in the coverage
 *   file (the shard had no object in H+1 when H was sealed, so only the later hour could see it).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { CHANGE_OBJECT_SUFFIX, NO_PREVIOUS, OBJECT_METADATA } from "./config";
import { hourDir, hourOfDir, nextHour, type HourId } from "./layout";
import { compareSequence } from "./records";
import type { ShardHeads } from "./heads";
import { headMetadata, listKeys, objectExists, s3Url } from "./s3-io";

/** A problem found in an hour sealed before the one being sealed. */
export interface EarlierHourProblem {
  readonly hour: HourId;
  readonly problem: string;
}

/** The hour a change object belongs to (from its key), or undefined for a key outside the table's layout. */
export function hourOfObject(table: string, key: string): HourId | undefined {
  return hourOfDir(table, key.split("/").slice(0, -2).join("/"));
}

/** The link (previous object) of a shard's first live object in an hour, or undefined when it has none there. */
async function firstLink(
  s3: S3Client,
  bucket: string,
  table: string,
  hour: HourId,
  shardId: string,
): Promise<{ readonly key: string; readonly previous: string; readonly previousKey: string } | undefined> {
  const keys = (await listKeys(s3, bucket, `${hourDir(table, hour)}/${shardId}/`)).filter((k) =>
    k.endsWith(CHANGE_OBJECT_SUFFIX),
  );
  for (const key of keys) {
    const meta = await headMetadata(s3, bucket, key);
    if (meta === undefined || meta[OBJECT_METADATA.supersededBy] !== undefined) continue;
    return {
      key,
      previous: meta[OBJECT_METADATA.previous] ?? NO_PREVIOUS,
      previousKey: meta[OBJECT_METADATA.previousKey] ?? NO_PREVIOUS,
    };
  }
  return undefined;
}

/** Checks that each shard's first object of the next hour follows this hour's last; returns the problems. */
export async function checkHourEnd(
  s3: S3Client,
  bucket: string,
  table: string,
  hour: HourId,
  heads: ShardHeads,
): Promise<string[]> {
  const problems: string[] = [];
  const next = nextHour(hour);
  for (const [shardId, head] of Object.entries(heads)) {
    const link = await firstLink(s3, bucket, table, next, shardId);
    if (link === undefined || link.previous === NO_PREVIOUS) continue;
    if (compareSequence(link.previous, head.lastSequenceNumber) <= 0) continue;
    if (hourOfObject(table, link.previousKey) !== hour) continue;
    if (await objectExists(s3, bucket, link.previousKey)) continue; // written after listing: the next seal sees it
    problems.push(
      `missing object ${s3Url(bucket, link.previousKey)} (records up to ${link.previous} of shard ${shardId}), the last of hour ${hour}: ${s3Url(bucket, link.key)} in hour ${next} follows it, but it does not exist`,
    );
  }
  return problems;
}
