/**
 * Cross-check of one sealed capture window against an incremental export of the same table (AWS's INCREMENTAL_EXPORT
 * format, read by lib/export-format's openIncrementalExport): for every key, the last state captured in the export's
 * window [exportFromTime, exportToTime) must equal the export's NewImage, or the key is deleted in both.
 *
 * ApproximateCreationDateTime has whole seconds: a record within a second of a window edge may belong to either side,
 * so any of the states it allows is accepted. An item created and deleted inside the window may or may not appear in
 * the export.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { openIncrementalExport, readExportLines } from "../export-format/export-reader";
import { openStore } from "../export-format/store";
import { checkChangeObject } from "./change-object";
import { MAX_KEYS_LISTED } from "./config";
import { keyString, stateDigest, type StateDigest } from "./continuity";
import { hourManifestFilesKey, type HourId } from "./layout";
import { recordTimeMs, type ChangeLine } from "./records";
import { getObject, s3Url } from "./s3-io";

/** Time resolution of ApproximateCreationDateTime. */
const TIME_RESOLUTION_MS = 1000;

interface Change {
  readonly at: "in" | "edge";
  readonly state: StateDigest;
  readonly existedBefore: boolean;
}

export interface Mismatch {
  readonly key: string;
  readonly problem: string;
}

export interface CrossCheckResult {
  readonly exportDir: string;
  readonly from: string;
  readonly to: string;
  readonly status: "AGREE" | "DISAGREE";
  readonly keysCompared: number;
  readonly captureRecords: number;
  readonly exportRecords: number;
  readonly mismatches: readonly Mismatch[];
  /** Total number of disagreeing keys (only the first MAX_KEYS_LISTED are listed). */
  readonly mismatchCount: number;
}

function placement(t: number, fromMs: number, toMs: number): "in" | "edge" | "out" {
  const end = t + TIME_RESOLUTION_MS;
  if (t >= fromMs && end <= toMs) return "in";
  if (end <= fromMs || t >= toMs) return "out";
  return "edge";
}

/** Every captured change per key in the window, from the sealed hours' manifests (md5 checked again on the way). */
async function capturedChanges(
  s3: S3Client,
  bucket: string,
  table: string,
  hours: readonly HourId[],
  window: { fromMs: number; toMs: number },
): Promise<{ byKey: Map<string, Change[]>; records: number }> {
  const byKey = new Map<string, Change[]>();
  let records = 0;
  for (const hour of hours) {
    const manifestKey = hourManifestFilesKey(table, hour);
    const manifest = await getObject(s3, bucket, manifestKey);
    if (manifest === undefined) throw new Error(`${s3Url(bucket, manifestKey)} does not exist; seal the hour first`);
    const entries = manifest.body
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
    for (const entry of entries) {
      const key = (JSON.parse(entry) as { dataFileS3Key: string }).dataFileS3Key;
      const obj = await getObject(s3, bucket, key);
      if (obj === undefined) throw new Error(`${s3Url(bucket, key)} (listed in ${manifestKey}) does not exist`);
      const checked = checkChangeObject(s3Url(bucket, key), key, hour, obj.body, obj.metadata);
      if (checked.problems.length > 0) throw new Error(checked.problems.join("; "));
      for (const line of checked.lines) records += addChange(byKey, line, key, window);
    }
  }
  return { byKey, records };
}

function addChange(
  byKey: Map<string, Change[]>,
  line: ChangeLine,
  objectKey: string,
  w: { fromMs: number; toMs: number },
): number {
  const at = placement(recordTimeMs(line), w.fromMs, w.toMs);
  if (at === "out") return 0;
  const where = `${objectKey} record ${line.SequenceNumber}`;
  const key = keyString(line, where);
  const list = byKey.get(key) ?? [];
  list.push({ at, state: stateDigest(line.NewImage, where), existedBefore: line.OldImage !== undefined });
  byKey.set(key, list);
  return 1;
}

/** The states the export may hold for a key, and whether it must list the key at all. */
function expectation(changes: readonly Change[]): { states: Set<StateDigest>; required: boolean } {
  let lastIn = -1;
  changes.forEach((c, i) => {
    if (c.at === "in") lastIn = i;
  });
  const states = new Set<StateDigest>();
  for (let i = Math.max(lastIn, 0); i < changes.length; i++) states.add(changes[i]!.state);
  const createdAndDeleted = changes[0]?.existedBefore === false && changes[changes.length - 1]?.state === null;
  return { states, required: lastIn >= 0 && !createdAndDeleted };
}

function describe(state: StateDigest): string {
  return state === null ? "deleted" : `an item with digest ${state}`;
}

/** Reads the export's final states per key. */
async function exportedStates(s3: S3Client, bucket: string, exportDir: string) {
  const exp = await openIncrementalExport(openStore({ kind: "s3", bucket, prefix: exportDir }, s3));
  const states = new Map<string, StateDigest>();
  for (const entry of exp.files) {
    const lines = readExportLines(exp, entry);
    for (let batch = await lines.next(); batch.done !== true; batch = await lines.next()) {
      for (const text of batch.value) {
        const parsed = JSON.parse(text) as { Keys: Record<string, unknown>; NewImage?: Record<string, unknown> };
        const where = `${exp.location} ${entry.dataFileS3Key}`;
        states.set(keyString(parsed, where), stateDigest(parsed.NewImage, where));
      }
    }
  }
  return { summary: exp.summary, states };
}

function compare(captured: Map<string, Change[]>, exported: Map<string, StateDigest>): Mismatch[] {
  const mismatches: Mismatch[] = [];
  for (const [key, state] of exported) {
    const changes = captured.get(key);
    if (changes === undefined) {
      mismatches.push({
        key,
        problem: `the export changed it (to ${describe(state)}) but the capture has no change of it in the window`,
      });
      continue;
    }
    const { states } = expectation(changes);
    if (!states.has(state)) {
      const last = changes[changes.length - 1]!.state;
      mismatches.push({ key, problem: `last captured state is ${describe(last)}, the export's is ${describe(state)}` });
    }
  }
  for (const [key, changes] of captured) {
    if (exported.has(key)) continue;
    if (expectation(changes).required) {
      mismatches.push({
        key,
        problem: `the capture changed it (last ${describe(changes[changes.length - 1]!.state)}) but the export does not list it`,
      });
    }
  }
  return mismatches;
}

/** Compares the export at `exportDir` (an INCREMENTAL export folder) with the capture of the hours it covers. */
export async function crossCheck(
  s3: S3Client,
  input: {
    readonly bucket: string;
    readonly table: string;
    readonly exportDir: string;
    readonly hours: readonly HourId[];
  },
): Promise<CrossCheckResult> {
  const exp = await exportedStates(s3, input.bucket, input.exportDir);
  const window = { fromMs: Date.parse(exp.summary.exportFromTime), toMs: Date.parse(exp.summary.exportToTime) };
  const cap = await capturedChanges(s3, input.bucket, input.table, input.hours, window);
  const mismatches = compare(cap.byKey, exp.states);
  return {
    exportDir: input.exportDir,
    from: exp.summary.exportFromTime,
    to: exp.summary.exportToTime,
    status: mismatches.length === 0 ? "AGREE" : "DISAGREE",
    keysCompared: new Set([...cap.byKey.keys(), ...exp.states.keys()]).size,
    captureRecords: cap.records,
    exportRecords: exp.states.size,
    mismatches: mismatches.slice(0, MAX_KEYS_LISTED),
    mismatchCount: mismatches.length,
  };
}
