/**
 * Errors the pipeline's Lambdas throw. Step Functions sees the error's `name` as the `Error` of a failed task, and the
 * notify step maps it to what an operator should do; so each failure mode has its own, stable name.
 */
export type PipelineErrorName =
  /** The event a handler got is not what it expects (a bug or a hand-started execution with a bad input). */
  | "InvalidPipelineInput"
  /** A setting the function needs (environment) is missing. */
  | "PipelineConfigurationError"
  /** DynamoDB reported the native export as FAILED. */
  | "NativeExportFailed"
  /** A scan export cannot be finished (a segment is missing or not done). */
  | "ScanExportIncomplete"
  /** The export's files do not match its manifests (md5, count, missing or extra file) or cannot be read. */
  | "ExportVerificationFailed"
  /** A restore drill found no verified full export to restore. */
  | "NoVerifiedExport"
  /** DynamoDB reported the drill's import as FAILED or CANCELLED. */
  | "RestoreDrillImportFailed"
  /** The restored scratch table does not match the export. */
  | "RestoreDrillMismatch";

export class PipelineError extends Error {
  constructor(
    override readonly name: PipelineErrorName,
    message: string,
  ) {
    super(message);
  }
}

/** Step Functions keeps at most 32 KB of an error's cause; keep messages well below. */
export const MAX_ERROR_MESSAGE = 8000;

export function truncate(text: string, max: number = MAX_ERROR_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 40)}… (${text.length - max + 40} more characters)`;
}
