/**
 * A deterministic history for the rebuild tests: puts, overwrites, deletes, re-creates and TTL deletes of a few dozen
 * keys at distinct whole seconds from 09:30 to 13:59 UTC, with item values that are hard to keep byte for byte.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, type ExportStore } from "../../lib/export-format";
import type { Write } from "./fixtures";

export const H = (hhmmss: string): number => Date.parse(`2026-11-30T${hhmmss}Z`);
export const NOW = new Date(H("15:00:00"));

export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function itemOf(k: number, v: number): Record<string, unknown> {
  return {
    pk: { S: `user-${k % 5} ✓ "q" \\ ${String.fromCharCode(1)}` },
    sk: { N: String(k) },
    v: { N: `${v}.${"1234567890123456789012345678901234567".slice(0, 1 + (v % 36))}` },
    s: { S: `värde ${v} 😀 \n\t </script> \u2028` },
    b: { B: Buffer.from([v % 256, 0, 255]).toString("base64") },
    m: { M: { nested: { L: [{ S: "a" }, { NULL: true }, { BOOL: v % 2 === 0 }] } } },
    __proto__x: { SS: ["a", "b"] },
    ["__proto__"]: { S: "not a prototype" },
    ...(v % 7 === 0 ? { expires: { N: "1764460800" } } : {}),
  };
}

/** Writes at distinct whole seconds in [from, to), on `keys` keys. */
export function randomWrites(seed: number, opts: { from: number; to: number; keys: number; count: number }): Write[] {
  const rand = prng(seed);
  const step = Math.max(1, Math.floor((opts.to - opts.from) / 1000 / opts.count));
  const writes: Write[] = [];
  let t = opts.from;
  for (let i = 0; i < opts.count; i++) {
    t += 1000 * (1 + Math.floor(rand() * step));
    if (t >= opts.to) break;
    const k = Math.floor(rand() * opts.keys);
    const keys = { pk: itemOf(k, 0).pk, sk: { N: String(k) } };
    const op = rand();
    if (op < 0.65) writes.push({ t, keys, item: itemOf(k, i) });
    else if (op < 0.9) writes.push({ t, keys });
    else writes.push({ t, keys, ttl: true });
  }
  return writes;
}

export async function freshDir(name: string): Promise<{ dir: string; store: ExportStore }> {
  const dir = await mkdtemp(join(tmpdir(), `rebuild-${name}-`));
  return { dir, store: openStore({ kind: "local", dir }) };
}
