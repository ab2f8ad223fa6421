/**
 * The table I/O engine: parallel scan, batch writes, retry with backoff and jitter, rate limiting, and on top of them
 * table → export (backupTable), export → table (restoreTable) and export ↔ table comparison. The CLI commands and the
 * Lambdas call these; the file format itself lives in lib/export-format.
 *
 * Subsystem lib/table-io — owns the table data plane and the DynamoDB table reads the DR commands share (./tables.ts).
 * Throws DrErrors (lib/errors.ts). May import lib/export-format, lib/writable.ts, the core files, lib/aws.ts and
 * lib/errors.ts; never lib/cli, lib/dr or scripts/ (test/house/dependencies.test.ts).
 */
export * from "./retry";
export * from "./rate-limiter";
export * from "./scan";
export * from "./batch-writer";
export * from "./backup";
export * from "./restore";
export * from "./compare";
export * from "./wire";
export * from "./split-items";
