/**
 * Errors of change capture, in the project's one error model (lib/errors.ts): bad events and settings are "usage"
 * errors, a failed seal or cross-check is a "verification" error. Every message names the input or object.
 */
import { UsageError, VerificationError } from "../errors";

/** The event a capture function got is not what it expects (names the field and the value). */
export class CaptureInputError extends UsageError {}

/** A setting the capture functions need (environment) is missing or malformed. */
export class CaptureConfigError extends UsageError {}

/** Sealing or the cross-check found damage, a hole or a disagreement. */
export class CaptureVerificationError extends VerificationError {}
