/**
 * Terraform addresses: a public contract, built here and nowhere else.
 *
 * The module construct names its resources with these functions, and every DR command, README recipe and test
 * derives addresses from them. Inside the synthesized module a table is `aws_dynamodb_table.<snake>_table`;
 * a consumer sees it as `<module address>.aws_dynamodb_table.<snake>_table`.
 */
import { tableResourceName } from "./catalog";

export const DYNAMODB_TABLE_RESOURCE_TYPE = "aws_dynamodb_table";
/** The module address used in the docs and the example consumer (`module "data_persistence" { … }`). */
export const DEFAULT_MODULE_ADDRESS = "module.data_persistence";
/** The name the example consumer and the docs give the module block. */
export const DEFAULT_MODULE_NAME = "data_persistence";

/**
 * One step of a module address: `module.<name>` optionally followed by an index key `[0]` or `["key"]`.
 * Names follow Terraform's identifier rules (letters, digits, `_`, `-`, not starting with a digit).
 */
const MODULE_STEP = /module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?/y;

export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}

/**
 * Validates a module address such as `module.data_persistence`, `module.platform.module.data_persistence`,
 * `module.dp[0]` or `module.dp["prod"]`. The empty string means the root module.
 */
export function validateModuleAddress(address: string): string {
  if (address === "") return address;
  let pos = 0;
  while (pos < address.length) {
    MODULE_STEP.lastIndex = pos;
    const m = MODULE_STEP.exec(address);
    if (m === null) break;
    pos = MODULE_STEP.lastIndex;
    if (pos === address.length) return address;
    if (address[pos] !== ".") break;
    pos += 1;
  }
  throw new AddressError(
    `--module-address: "${address}" is not a Terraform module address; expected "" (root module) or steps like module.data_persistence, module.platform.module.data_persistence, module.dp[0] or module.dp["prod"]`,
  );
}

/** Address of a table resource inside the module: `aws_dynamodb_table.collections_table`. */
export function tableResourceAddress(catalogName: string): string {
  return `${DYNAMODB_TABLE_RESOURCE_TYPE}.${tableResourceName(catalogName)}`;
}

/** Full address of a table as the consumer's state knows it. */
export function tableAddress(catalogName: string, moduleAddress: string = DEFAULT_MODULE_ADDRESS): string {
  const inner = tableResourceAddress(catalogName);
  const mod = validateModuleAddress(moduleAddress);
  return mod === "" ? inner : `${mod}.${inner}`;
}
