/**
 * Synthesizes the project: the data-persistence module stack (packaged as a plain Terraform module folder)
 * and the deployable stack for `cdktf deploy`. Run with `npm run synth` or `npx cdktf synth`.
 */
import { App } from "cdktf";
import { join, resolve } from "node:path";
import { CatalogError } from "./lib/catalog";
import { DeployConfigError, DEPLOY_CONTEXT_KEY, resolveDeployConfig } from "./lib/deploy-config";
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
import { packageModule } from "./lib/synth/package-module";
import { DataPersistenceDeployStack } from "./modules/data-persistence-deploy-stack";
import { DataPersistenceModuleStack } from "./modules/data-persistence-module-stack";

export function synth(env: NodeJS.ProcessEnv = process.env): { moduleDir: string; outdir: string } {
  // Everything that can be wrong with the user's input is checked before anything is written.
  const catalog = loadProjectCatalog(PROJECT_ROOT, env);
  const deployConfig = resolveDeployConfig(readCdktfContext(PROJECT_ROOT)[DEPLOY_CONTEXT_KEY], env);

  // The export pipeline's Lambdas (functions/*.ts, never cdktf itself) are bundled into reproducible zips first, so a
  // bundling error stops synth before anything is written; bundleLambdas() is memoized, and DataPersistence uses the
  // same zips as module assets under ${path.module}/assets.
  bundleLambdas();

  const outdir = resolve(PROJECT_ROOT, env.CDKTF_OUTDIR ?? "cdktf.out");
  const app = new App({ outdir, skipValidation: false });
  new DataPersistenceModuleStack(app, MODULE_STACK_NAME, { catalog });
  new DataPersistenceDeployStack(app, DEPLOY_STACK_NAME, { catalog, config: deployConfig });
  app.synth();

  const moduleDir = resolve(PROJECT_ROOT, env[MODULE_OUT_DIR_ENV] ?? DEFAULT_MODULE_OUT_DIR);
  packageModule(join(outdir, "stacks", MODULE_STACK_NAME), moduleDir);
  return { moduleDir, outdir };
}

if (require.main === module) {
  try {
    const { moduleDir } = synth();
    console.log(`Module written to ${moduleDir}`);
  } catch (err) {
    if (err instanceof CatalogError || err instanceof DeployConfigError || err instanceof BundleError) {
      console.error(`synth failed: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}
