/**
 * Errors of the export-format library. Every error names the file (or key) it is about, so a tired operator can
 * see at once which object is bad. `problem` says what is wrong with the export; `kind` (the one error model,
 * lib/errors.ts) follows from it, and is what the CLI maps to an exit code and the Lambdas to their result.
 */
import { DrError, type ErrorKind } from "../errors";

export type ExportFormatProblem =
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

/** The error kind of each export problem. */
export const KIND_OF_EXPORT_PROBLEM: Readonly<Record<ExportFormatProblem, ErrorKind>> = {
  corrupt: "verification",
  invalid: "verification",
  incomplete: "precondition",
  "not-found": "not-found",
  ambiguous: "usage",
};

export class ExportFormatError extends DrError {
  readonly kind: ErrorKind;
  constructor(
    /** What is wrong with the export. */
    readonly problem: ExportFormatProblem,
    /** The file (path or s3:// URL) the problem is about. */
    readonly file: string,
    message: string,
  ) {
    super(message);
    // Spelled out: the Lambda bundles are minified, and the class's own name would be mangled.
    this.name = "ExportFormatError";
    this.kind = KIND_OF_EXPORT_PROBLEM[problem];
  }
}
