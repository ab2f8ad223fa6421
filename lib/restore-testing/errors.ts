/**
 * Errors of the restore-test validation. A bad event or a missing setting is a bug or a hand-made invocation: the
 * function throws (its errors alarm goes off). Everything about the restored table itself is a FAILED validation
 * result, never a throw.
 */
export type RestoreTestErrorKind =
  /** The event is not a completed restore-testing job of a DynamoDB table. */
  | "InvalidRestoreTestEvent"
  /** A setting the module gives the function (environment) is missing or wrong. */
  | "RestoreTestConfigurationError";

export class RestoreTestError extends Error {
  constructor(
    readonly kind: RestoreTestErrorKind,
    message: string,
  ) {
    super(message);
    // Spelled out: minified Lambda bundles rename classes.
    this.name = kind;
  }
}
