/**
 * `npm ci` (the first step of .ci/run and of the README's main command) refuses a lock file that does not list every
 * dependency of every locked package — optional platform builds included. A registry that lacks some platform builds of
 * a release makes `npm install` write exactly such a lock (it happened with rollup 4.68.7), so this checks what `npm ci`
 * checks, offline, before CI does.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const root = join(__dirname, "..", "..");
const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")) as {
  readonly packages: Record<string, LockEntry>;
};
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
};

/** Where node would find `name` from the package at `from` (node_modules lookup walking up). */
function resolves(from: string, name: string): boolean {
  let dir = from;
  for (;;) {
    const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (candidate in lock.packages) return true;
    if (dir === "") return false;
    const idx = dir.lastIndexOf("/node_modules/");
    dir = idx === -1 ? "" : dir.slice(0, idx);
  }
}

describe("package-lock.json", () => {
  it("locks every dependency of every locked package, optional platform builds included (what npm ci checks)", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const deps = {
        ...entry.dependencies,
        ...entry.optionalDependencies,
        ...(path === "" ? entry.devDependencies : {}),
      };
      for (const name of Object.keys(deps)) if (!resolves(path, name)) missing.push(`${path || "(root)"} → ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it("records the same direct dependencies as package.json", () => {
    const lockedRoot = lock.packages[""];
    expect(lockedRoot?.dependencies).toEqual(pkg.dependencies);
    expect(lockedRoot?.devDependencies).toEqual(pkg.devDependencies);
  });
});
