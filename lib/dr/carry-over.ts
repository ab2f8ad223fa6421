/**
 * What a DynamoDB restore (point-in-time or from a backup) does not bring to the new table, and which of it
 * the data-persistence module's next `terraform apply` puts back. Driven by the table's catalog entry.
 */
import { TableSpec, streamViewTypeOf } from "../catalog";

export interface CarryOverItem {
  readonly setting: string;
  /** Whether the module's next apply sets it again on the imported table. */
  readonly restoredByModule: boolean;
  /** What to do or expect. */
  readonly note: string;
}

/**
 * The settings a restore leaves behind (AWS restores data, keys, indexes, billing mode and, because these
 * commands pass it explicitly, the encryption; everything below must be set again).
 * `sameName`: the table was restored under its original name (full-deployment restore).
 */
export function notCarriedOver(table: TableSpec | undefined, sameName: boolean): CarryOverItem[] {
  return [
    ...(table === undefined ? deploymentItems() : tableItems(table)),
    { setting: "tags", restoredByModule: true, note: "re-applied by the module from its tags input" },
    {
      setting: "deletion protection",
      restoredByModule: true,
      note: "re-enabled by the module from its deletion_protection input",
    },
    {
      setting: "CloudWatch alarms",
      restoredByModule: false,
      note: sameName
        ? "alarms on the table name still match; check they are still there"
        : "alarms name the old table: re-apply or edit them to watch the new name",
    },
    {
      setting: "auto scaling policies",
      restoredByModule: false,
      note: "the module's tables are on-demand and need none; re-create any you added yourself",
    },
    {
      setting: "IAM policies",
      restoredByModule: false,
      note: sameName
        ? "the table ARN is unchanged, so policies still match"
        : "the table ARN changes with the name: re-apply the stacks that read the module's table_arns output; edit policies that name the table by hand",
    },
  ];
}

/** The table-specific items of one restored table. */
function tableItems(table: TableSpec): CarryOverItem[] {
  const stream = streamViewTypeOf(table);
  return [
    {
      setting: "point-in-time recovery",
      restoredByModule: true,
      note: `re-enabled by the module if ${table.name} is in enable_point_in_time_tables (${table.pointInTimeByDefault === true ? "it is in the default list" : "it is not in the default list"}); until then the restored table has no PITR`,
    },
    table.ttlAttribute === undefined
      ? {
          setting: "TTL",
          restoredByModule: true,
          note: "the catalog declares no TTL for this table: nothing to restore",
        }
      : {
          setting: "TTL",
          restoredByModule: true,
          note: `re-enabled by the module on attribute ${table.ttlAttribute}; items expired in the meantime are deleted soon after`,
        },
    stream === null
      ? { setting: "stream", restoredByModule: true, note: "the catalog declares no stream for this table" }
      : {
          setting: "stream",
          restoredByModule: true,
          note: `re-enabled by the module (${stream}) with a NEW stream ARN: re-apply the stacks whose Lambda triggers or pipes read it`,
        },
  ];
}

/** The same items for a whole deployment. */
function deploymentItems(): CarryOverItem[] {
  return [
    {
      setting: "point-in-time recovery",
      restoredByModule: true,
      note: "re-enabled by the module for the tables in enable_point_in_time_tables; until then the restored tables have no PITR",
    },
    {
      setting: "TTL",
      restoredByModule: true,
      note: "re-enabled by the module where the catalog declares a TTL attribute",
    },
    {
      setting: "stream",
      restoredByModule: true,
      note: "re-enabled by the module with NEW stream ARNs: re-apply the stacks whose Lambda triggers or pipes read them",
    },
  ];
}

export function renderCarryOver(items: readonly CarryOverItem[]): string[] {
  return items.map((i) => `  - ${i.setting}: ${i.restoredByModule ? "[module restores] " : "[you restore] "}${i.note}`);
}
