/**
 * Benchmark items: ~300 bytes each (DynamoDB's size accounting: attribute names + values), a mix of types like a
 * Cumulus granule record. Deterministic, so every run writes the same data.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";

export type Item = Record<string, AttributeValue>;

export function benchItem(i: number): Item {
  const id = `granule-${String(i).padStart(9, "0")}`;
  return {
    granuleId: { S: id },
    collectionId: { S: `MOD09GQ___${String(i % 97).padStart(3, "0")}` },
    status: { S: i % 10 === 0 ? "failed" : "completed" },
    createdAt: { N: String(1_700_000_000_000 + i * 1000) },
    size: { N: `${(i * 7919) % 1_000_000}.${i % 100}` },
    checksum: { B: Buffer.from(id).subarray(0, 16) },
    files: {
      L: [
        { M: { bucket: { S: "protected" }, key: { S: `${id}/${id}.hdf` }, size: { N: String(i % 65536) } } },
        { M: { bucket: { S: "public" }, key: { S: `${id}/${id}.jpg` } } },
      ],
    },
    tags: { SS: ["ingested", `batch-${i % 13}`] },
    published: { BOOL: i % 2 === 0 },
    note: { S: "x".repeat(20) },
  };
}

/** DynamoDB's item size: UTF-8 names + values (numbers ~ digits/2 + 1; containers +3 bytes; nulls/bools 1 byte). */
export function itemSize(item: Item): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) n += Buffer.byteLength(k) + valueSize(v);
  return n;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S);
  if (v.N !== undefined) return Math.ceil(v.N.replace(/[^0-9]/g, "").length / 2) + 1;
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((a, s) => a + Buffer.byteLength(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((a, s) => a + Math.ceil(s.length / 2) + 1, 0);
  if (v.BS !== undefined) return v.BS.reduce((a, b) => a + b.byteLength, 0);
  if (v.M !== undefined) return 3 + itemSize(v.M);
  if (v.L !== undefined) return 3 + v.L.reduce((a, e) => a + 1 + valueSize(e), 0);
  return 0;
}
