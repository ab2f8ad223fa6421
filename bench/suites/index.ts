/**
 * Every benchmark suite `npm run bench` knows, in the order they run. Add one here (e.g. Lambda zip size and cold
 * load time) and bench/run.ts prints and saves its tables like the others.
 */
import type { BenchSuite } from "../lib/types";
import { backupRestoreSuite } from "./backup-restore";
import { captureSuite } from "./capture";
import { lambdasSuite } from "./lambdas";
import { rebuildSuite } from "./rebuild";

export const SUITES: readonly BenchSuite[] = [backupRestoreSuite, lambdasSuite, captureSuite, rebuildSuite];
