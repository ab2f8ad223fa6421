/**
 * `--bucket`: the backup bucket (`name` or `s3://name`), or a local folder mirroring its layout (`file:///path`, or a
 * path with a `/`), e.g. a copy made with `aws s3 sync` for an offline rebuild, or the benchmark's generated history.
 */
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { S3Client } from "@aws-sdk/client-s3";
import { s3Client } from "../aws";
import { openStore } from "../export-format/store";
import { NotFoundError, UsageError } from "../errors";
import type { HistorySource } from "./inventory";

/** A legal S3 bucket name (the --bucket flags check it). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function localDir(value: string, cwd: string): string | undefined {
  if (value.startsWith("file://")) return fileURLToPath(value);
  if (value.includes("/") || value === "." || value === "..") return isAbsolute(value) ? value : resolve(cwd, value);
  return undefined;
}

export async function parseHistorySource(value: string, cwd: string, client?: S3Client): Promise<HistorySource> {
  const s3 = /^s3:\/\/([^/]+)\/?$/.exec(value);
  const bucket = s3 !== null ? s3[1]! : !value.includes("/") && BUCKET_NAME.test(value) ? value : undefined;
  if (bucket !== undefined && BUCKET_NAME.test(bucket)) {
    const c = client ?? s3Client();
    return { store: openStore({ kind: "s3", bucket, prefix: "" }, c), s3: { client: c, bucket } };
  }
  const dir = value.startsWith("s3://") ? undefined : localDir(value, cwd);
  if (dir === undefined) {
    throw new UsageError(
      `--bucket: "${value}" is not allowed; give the backup bucket's name (3-63 lower-case letters, digits, . and -), s3://<bucket>, or a local folder mirroring it (file:///path or a path containing /)`,
    );
  }
  const st = await stat(dir).catch(() => undefined);
  if (st?.isDirectory() !== true) throw new NotFoundError(`--bucket: folder ${dir} does not exist`);
  return { store: openStore({ kind: "local", dir }) };
}
