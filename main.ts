/**
 * Synthesizes the project: the data-persistence module stack (packaged as a plain Terraform module folder)
 * and the deployable stack for `cdktf deploy`. Run with `npm run synth` or `npx cdktf synth`.
 */
import { App } from "cdktf";
import { join, resolve } from "node:path";
import { exitCodeFor } from "./lib/cli/errors";
import { DEPLOY_CONTEXT_KEY, resolveDeployConfig } from "./lib/deploy-config";
import { DrError } from "./lib/errors";
import {
  DEFAULT_MODULE_OUT_DIR,
  DEPLOY_STACK_NAME,
  MODULE_OUT_DIR_ENV,
  MODULE_STACK_NAME,
  PROJECT_ROOT,
  loadProjectCatalog,
  readCdktfContext,
} from "./lib/project-config";
import { BundleError, bundleLambdas } from "./lib/synth/bundle-lambdas";
import { checkModuleOutDir, packageModule } from "./lib/synth/package-module";
import { DataPersistenceDeployStack } from "./modules/data-persistence-deploy-stack";
import { DataPersistenceModuleStack } from "./modules/data-persistence-module-stack";

/** The module folder synth writes: $DDB_MODULE_OUT_DIR (relative to the project) or dist/modules/data-persistence. */
export function moduleOutDir(env: NodeJS.ProcessEnv): string {
  const fromEnv = env[MODULE_OUT_DIR_ENV];
  return resolve(PROJECT_ROOT, fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_MODULE_OUT_DIR);
}

export function synth(env: NodeJS.ProcessEnv = process.env): { moduleDir: string; outdir: string } {
  // Everything that can be wrong with the user's input is checked before anything is written.
  const catalog = loadProjectCatalog(PROJECT_ROOT, env);
  const deployConfig = resolveDeployConfig(readCdktfContext(PROJECT_ROOT)[DEPLOY_CONTEXT_KEY], env, catalog);
  const moduleDir = moduleOutDir(env);
  checkModuleOutDir(moduleDir);

  // The export pipeline's Lambdas (functions/*.ts, never cdktf itself) are bundled into reproducible zips first, so a
  // bundling error stops synth before anything is written; bundleLambdas() is memoized, and DataPersistence uses the
  // same zips as module assets under ${path.module}/assets.
  bundleLambdas();

  const outdir = resolve(PROJECT_ROOT, env.CDKTF_OUTDIR ?? "cdktf.out");
  const app = new App({ outdir, skipValidation: false });
  new DataPersistenceModuleStack(app, MODULE_STACK_NAME, { catalog });
  new DataPersistenceDeployStack(app, DEPLOY_STACK_NAME, { catalog, config: deployConfig });
  app.synth();

  packageModule(join(outdir, "stacks", MODULE_STACK_NAME), moduleDir);
  return { moduleDir, outdir };
}

/**
 * `npm run synth` as a process: the module path on success; on bad input one line `synth failed: <message>` and the
 * exit code of the error's kind (lib/cli/errors.ts: 2 for a bad catalog, configuration or output folder), no stack
 * trace. Anything else is a bug and is rethrown.
 */
export function synthCli(env: NodeJS.ProcessEnv, io: { out: (s: string) => void; err: (s: string) => void }): number {
  try {
    const { moduleDir } = synth(env);
    io.out(`Module written to ${moduleDir}`);
    return 0;
  } catch (err) {
    if (err instanceof DrError || err instanceof BundleError) {
      io.err(`synth failed: ${err.message}`);
      return exitCodeFor(err);
    }
    throw err;
  }
}

if (require.main === module) {
  process.exitCode = synthCli(process.env, { out: (s) => console.log(s), err: (s) => console.error(s) });
}
