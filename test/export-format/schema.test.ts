import type { TableDescription } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import {
  createTableInput,
  keyAttributeNames,
  parseSchema,
  schemaFromCatalog,
  schemaFromDescription,
  serializeSchema,
} from "../../lib/export-format";
import { DEFAULT_CATALOG, findTable } from "../../lib/catalog";

const description: TableDescription = {
  TableName: "prod-GranulesTable",
  TableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/prod-GranulesTable",
  AttributeDefinitions: [
    { AttributeName: "granuleId", AttributeType: "S" },
    { AttributeName: "collectionId", AttributeType: "S" },
    { AttributeName: "updatedAt", AttributeType: "N" },
  ],
  KeySchema: [{ AttributeName: "granuleId", KeyType: "HASH" }],
  GlobalSecondaryIndexes: [
    {
      IndexName: "collectionId-granuleId-index",
      KeySchema: [
        { AttributeName: "collectionId", KeyType: "HASH" },
        { AttributeName: "granuleId", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["status"] },
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      IndexStatus: "ACTIVE",
      ItemCount: 10,
    },
  ],
  LocalSecondaryIndexes: [
    {
      IndexName: "byUpdated",
      KeySchema: [
        { AttributeName: "granuleId", KeyType: "HASH" },
        { AttributeName: "updatedAt", KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "KEYS_ONLY" },
    },
  ],
  StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
  BillingModeSummary: { BillingMode: "PROVISIONED" },
  ItemCount: 10,
};

describe("schema.json", () => {
  it("is built from DescribeTable and gives an on-demand CreateTable with its indexes, stream and TTL", () => {
    const schema = schemaFromDescription(
      description,
      { TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" },
      new Date(0),
    );
    const input = createTableInput(schema, "restored-GranulesTable");
    expect(input).toEqual({
      TableName: "restored-GranulesTable",
      AttributeDefinitions: description.AttributeDefinitions,
      KeySchema: [{ AttributeName: "granuleId", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        {
          IndexName: "collectionId-granuleId-index",
          KeySchema: description.GlobalSecondaryIndexes![0]!.KeySchema,
          Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["status"] },
        },
      ],
      LocalSecondaryIndexes: [
        {
          IndexName: "byUpdated",
          KeySchema: description.LocalSecondaryIndexes![0]!.KeySchema,
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      BillingMode: "PAY_PER_REQUEST",
    });
    expect(schema.timeToLive).toEqual({ attributeName: "expiresAt" });
    expect(schema.source).toMatchObject({ billingMode: "PROVISIONED", itemCountEstimate: 10 });
    expect(parseSchema(serializeSchema(schema), "s.json")).toEqual(schema);
    expect(keyAttributeNames(schema)).toEqual(["granuleId"]);
  });

  it("is built from the catalog the same way", () => {
    const schema = schemaFromCatalog(findTable(DEFAULT_CATALOG, "CollectionsTable"), "p-CollectionsTable");
    expect(keyAttributeNames(schema)).toEqual(["name", "version"]);
    expect(schema.table.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" });
    expect(schemaFromCatalog(findTable(DEFAULT_CATALOG, "AccessTokensTable"), "x").timeToLive).toEqual({
      attributeName: "expirationTime",
    });
  });

  it.each([
    [{ formatVersion: 2 }, /\/b\/schema\.json: formatVersion 2 is not supported/],
    [
      {
        formatVersion: 1,
        table: { TableName: "t", AttributeDefinitions: [], KeySchema: [{ AttributeName: "id", KeyType: "HASH" }] },
      },
      /table\.KeySchema: key attribute "id" has no AttributeDefinitions entry/,
    ],
    [
      {
        formatVersion: 1,
        table: {
          TableName: "t",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "RANGE" }],
        },
      },
      /table\.KeySchema must be \[HASH\] or \[HASH, RANGE\]/,
    ],
    [
      {
        formatVersion: 1,
        table: {
          TableName: "t",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
          GlobalSecondaryIndexes: [
            {
              IndexName: "g",
              KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
              Projection: { ProjectionType: "SOME" },
            },
          ],
        },
      },
      /table\.GlobalSecondaryIndexes\[0\]\.Projection\.ProjectionType must be one of ALL, KEYS_ONLY, INCLUDE/,
    ],
  ])("rejects a bad schema.json naming the file and field (%#)", (raw, message) => {
    expect(() => parseSchema(JSON.stringify(raw), "/b/schema.json")).toThrow(message);
  });
});
