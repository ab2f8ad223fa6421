/**
 * Errors of the export-format library. Every error names the file (or key) it is about, so a tired operator can
 * see at once which object is bad; callers (CLI, Lambdas) map `kind` to their own exit code or result.
 */
export type ExportFormatErrorKind =
  /** A file's bytes do not match its manifest entry (md5, item count), or a line cannot be decoded. */
  | "corrupt"
  /** The export was never finished (no manifest-summary.json, or a checkpoint is still present). */
  | "incomplete"
  /** A file the manifest names (or the export itself) does not exist. */
  | "not-found"
  /** A manifest or schema file is not what the format allows (bad JSON, missing field, unsupported format). */
  | "invalid"
  /** A source holds several exports and the caller must pick one. */
  | "ambiguous";

export class ExportFormatError extends Error {
  constructor(
    readonly kind: ExportFormatErrorKind,
    /** The file (path or s3:// URL) the problem is about. */
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = "ExportFormatError";
  }
}
