/** Small helpers for writing Terraform expressions as text. */

/** An HCL string literal. JSON string syntax is valid HCL; `${` and `%{` are escaped so nothing is interpolated. */
export function hclString(value: string): string {
  return JSON.stringify(value).replace(/\$\{/g, "$$${").replace(/%\{/g, "%%{");
}

/** An HCL list of string literals: `["a", "b"]`. */
export function hclList(values: readonly string[]): string {
  return `[${values.map(hclString).join(", ")}]`;
}
