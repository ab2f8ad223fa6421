/**
 * schema.json: our addition to AWS's export layout. It holds what AWS's export leaves out and a restore needs — a
 * CreateTable-ready description of the table (keys, attribute types, GSIs and LSIs with their projections, stream) and
 * its TTL attribute — so `restore --create-table` rebuilds the table with its indexes instead of failing on them.
 */
import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  StreamSpecification,
  TableDescription,
  TimeToLiveDescription,
} from "@aws-sdk/client-dynamodb";
import type { TableSpec } from "../catalog";
import { streamViewTypeOf } from "../catalog";
import { SCHEMA_FORMAT_VERSION } from "./constants";
import { ExportFormatError } from "./errors";

/** The CreateTable parameters schema.json keeps (always on-demand billing). */
export interface CreateTableSpec {
  readonly TableName: string;
  readonly AttributeDefinitions: AttributeDefinition[];
  readonly KeySchema: KeySchemaElement[];
  readonly GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
  readonly LocalSecondaryIndexes?: LocalSecondaryIndex[];
  readonly StreamSpecification?: StreamSpecification;
  readonly BillingMode: "PAY_PER_REQUEST";
  readonly TableClass?: "STANDARD" | "STANDARD_INFREQUENT_ACCESS";
}

export interface TableSchema {
  readonly formatVersion: number;
  /** CreateTable input for the table (on-demand). Its TableName is the source table's. */
  readonly table: CreateTableSpec;
  /** The TTL attribute, or null when TTL was off. Applied with UpdateTimeToLive after CreateTable. */
  readonly timeToLive: { readonly attributeName: string } | null;
  /** Facts about the source, for people (not used to create the table). */
  readonly source?: {
    readonly tableArn?: string;
    readonly billingMode?: string;
    readonly itemCountEstimate?: number;
    readonly sseType?: string;
    readonly describedAt?: string;
  };
}

function projectionOf(p: Projection | undefined): Projection {
  const type = p?.ProjectionType ?? "ALL";
  return type === "INCLUDE"
    ? { ProjectionType: type, NonKeyAttributes: [...(p?.NonKeyAttributes ?? [])] }
    : { ProjectionType: type };
}

/** schema.json content from DescribeTable (and DescribeTimeToLive) output. */
export function schemaFromDescription(
  desc: TableDescription,
  ttl?: TimeToLiveDescription,
  now: Date = new Date(),
): TableSchema {
  if (desc.TableName === undefined || desc.KeySchema === undefined || desc.AttributeDefinitions === undefined) {
    throw new Error("DescribeTable output lacks TableName, KeySchema or AttributeDefinitions");
  }
  const gsis = (desc.GlobalSecondaryIndexes ?? []).map((g): GlobalSecondaryIndex => ({
    IndexName: g.IndexName,
    KeySchema: g.KeySchema,
    Projection: projectionOf(g.Projection),
  }));
  const lsis = (desc.LocalSecondaryIndexes ?? []).map((l): LocalSecondaryIndex => ({
    IndexName: l.IndexName,
    KeySchema: l.KeySchema,
    Projection: projectionOf(l.Projection),
  }));
  const stream = desc.StreamSpecification;
  const tableClass = desc.TableClassSummary?.TableClass;
  const ttlOn = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
  return {
    formatVersion: SCHEMA_FORMAT_VERSION,
    table: {
      TableName: desc.TableName,
      AttributeDefinitions: desc.AttributeDefinitions.map((a) => ({
        AttributeName: a.AttributeName,
        AttributeType: a.AttributeType,
      })),
      KeySchema: desc.KeySchema.map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType })),
      ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(lsis.length > 0 ? { LocalSecondaryIndexes: lsis } : {}),
      ...(stream?.StreamEnabled === true
        ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType } }
        : {}),
      BillingMode: "PAY_PER_REQUEST",
      ...(tableClass === "STANDARD_INFREQUENT_ACCESS" ? { TableClass: tableClass } : {}),
    },
    timeToLive: ttlOn && ttl?.AttributeName !== undefined ? { attributeName: ttl.AttributeName } : null,
    source: {
      ...(desc.TableArn === undefined ? {} : { tableArn: desc.TableArn }),
      billingMode: desc.BillingModeSummary?.BillingMode ?? "PROVISIONED",
      ...(desc.ItemCount === undefined ? {} : { itemCountEstimate: desc.ItemCount }),
      ...(desc.SSEDescription?.SSEType === undefined ? {} : { sseType: desc.SSEDescription.SSEType }),
      describedAt: now.toISOString(),
    },
  };
}

/** schema.json content for a table of the catalog (lib/catalog.ts), under its physical name. */
export function schemaFromCatalog(spec: TableSpec, tableName: string): TableSchema {
  const key = (hash: string, range?: string): KeySchemaElement[] => [
    { AttributeName: hash, KeyType: "HASH" },
    ...(range === undefined ? [] : [{ AttributeName: range, KeyType: "RANGE" as const }]),
  ];
  const view = streamViewTypeOf(spec);
  const gsis = (spec.globalSecondaryIndexes ?? []).map((g): GlobalSecondaryIndex => ({
    IndexName: g.name,
    KeySchema: key(g.hashKey, g.rangeKey),
    Projection: projectionOf({
      ProjectionType: g.projectionType ?? "ALL",
      ...(g.nonKeyAttributes === undefined ? {} : { NonKeyAttributes: [...g.nonKeyAttributes] }),
    }),
  }));
  return {
    formatVersion: SCHEMA_FORMAT_VERSION,
    table: {
      TableName: tableName,
      AttributeDefinitions: Object.entries(spec.attributes).map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: key(spec.hashKey, spec.rangeKey),
      ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
      ...(view === null ? {} : { StreamSpecification: { StreamEnabled: true, StreamViewType: view } }),
      BillingMode: "PAY_PER_REQUEST",
    },
    timeToLive: spec.ttlAttribute === undefined ? null : { attributeName: spec.ttlAttribute },
  };
}

/** The CreateTable input that recreates the table under `tableName`, on on-demand billing, with its indexes. */
export function createTableInput(schema: TableSchema, tableName: string): CreateTableCommandInput {
  return { ...structuredClone(schema.table), TableName: tableName, BillingMode: "PAY_PER_REQUEST" };
}

/** The table's key attribute names: hash first, then range when there is one. */
export function keyAttributeNames(
  schema: Pick<TableSchema, "table"> | { table: { KeySchema: KeySchemaElement[] } },
): string[] {
  const ks = schema.table.KeySchema;
  const hash = ks.find((k) => k.KeyType === "HASH")?.AttributeName;
  const range = ks.find((k) => k.KeyType === "RANGE")?.AttributeName;
  return [hash, range].filter((n): n is string => n !== undefined);
}

export function serializeSchema(schema: TableSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function invalid(file: string, message: string): never {
  throw new ExportFormatError("invalid", file, `${file}: ${message}`);
}

const KEY_TYPES = ["S", "N", "B"];
const PROJECTIONS = ["ALL", "KEYS_ONLY", "INCLUDE"];

function checkKeySchema(file: string, where: string, ks: unknown, attrs: Map<string, string>): void {
  if (!Array.isArray(ks) || ks.length < 1 || ks.length > 2) invalid(file, `${where}.KeySchema must list 1 or 2 keys`);
  const types = ks.map((k: KeySchemaElement) => k.KeyType);
  if (types[0] !== "HASH" || (types.length === 2 && types[1] !== "RANGE")) {
    invalid(file, `${where}.KeySchema must be [HASH] or [HASH, RANGE], got ${JSON.stringify(types)}`);
  }
  for (const k of ks as KeySchemaElement[]) {
    if (typeof k.AttributeName !== "string" || !attrs.has(k.AttributeName)) {
      invalid(
        file,
        `${where}.KeySchema: key attribute ${JSON.stringify(k.AttributeName)} has no AttributeDefinitions entry`,
      );
    }
  }
}

function checkProjection(file: string, where: string, p: Projection | undefined): void {
  if (p === undefined || !PROJECTIONS.includes(p.ProjectionType ?? "")) {
    invalid(file, `${where}.Projection.ProjectionType must be one of ${PROJECTIONS.join(", ")}`);
  }
}

/** Parses and checks schema.json; errors name the file and the field. */
export function parseSchema(text: string, file: string): TableSchema {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    invalid(file, `not valid JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== "object") invalid(file, "must be a JSON object");
  const s = raw as TableSchema;
  if (s.formatVersion !== SCHEMA_FORMAT_VERSION) {
    invalid(
      file,
      `formatVersion ${JSON.stringify(s.formatVersion)} is not supported (this tool reads ${SCHEMA_FORMAT_VERSION})`,
    );
  }
  const t = s.table as CreateTableSpec | undefined;
  if (t === undefined || typeof t.TableName !== "string") invalid(file, "table.TableName is missing");
  if (!Array.isArray(t.AttributeDefinitions)) invalid(file, "table.AttributeDefinitions must be an array");
  const attrs = new Map<string, string>();
  for (const a of t.AttributeDefinitions) {
    if (typeof a.AttributeName !== "string" || !KEY_TYPES.includes(a.AttributeType ?? "")) {
      invalid(file, `table.AttributeDefinitions: ${JSON.stringify(a)} needs AttributeName and AttributeType S, N or B`);
    }
    attrs.set(a.AttributeName, a.AttributeType as string);
  }
  checkKeySchema(file, "table", t.KeySchema, attrs);
  (t.GlobalSecondaryIndexes ?? []).forEach((g, i) => {
    const where = `table.GlobalSecondaryIndexes[${i}]`;
    if (typeof g.IndexName !== "string") invalid(file, `${where}.IndexName is missing`);
    checkKeySchema(file, where, g.KeySchema, attrs);
    checkProjection(file, where, g.Projection);
  });
  (t.LocalSecondaryIndexes ?? []).forEach((l, i) => {
    const where = `table.LocalSecondaryIndexes[${i}]`;
    if (typeof l.IndexName !== "string") invalid(file, `${where}.IndexName is missing`);
    checkKeySchema(file, where, l.KeySchema, attrs);
    checkProjection(file, where, l.Projection);
  });
  const ttl = s.timeToLive;
  if (ttl !== null && ttl !== undefined && typeof ttl.attributeName !== "string") {
    invalid(file, 'timeToLive must be null or {"attributeName": "<name>"}');
  }
  return { ...s, timeToLive: ttl ?? null };
}
