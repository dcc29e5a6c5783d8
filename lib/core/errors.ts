/**
 * The project's one error hierarchy.
 *
 * `permanent` decides what an Event Grid handler does with a failure: a permanent error (bad input) is acknowledged
 * and recorded with its reason; anything else is transient and is rethrown so Event Grid redelivers the event.
 */
export class AppError extends Error {
  /** True when retrying cannot help (the input itself is wrong). */
  readonly permanent: boolean;
  /** A stable, machine-readable code, e.g. `invalid_bsuid`. */
  readonly code: string;

  constructor(message: string, options: { code: string; permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.permanent = options.permanent;
  }
}

/** Input that does not have the required shape or value. `field` names the offending field when known. */
export class ValidationError extends AppError {
  readonly field: string | undefined;

  constructor(message: string, options: { code?: string; field?: string } = {}) {
    super(message, { code: options.code ?? "invalid_input", permanent: true });
    this.field = options.field;
  }
}

/** A requested entity (contact, message) does not exist. */
export class NotFoundError extends AppError {
  constructor(message: string, code = "not_found") {
    super(message, { code, permanent: true });
  }
}

/** A business rule refuses the operation (e.g. a send outside the 24-hour window). */
export class RuleRefusalError extends AppError {
  constructor(code: string, message: string) {
    super(message, { code, permanent: true });
  }
}

/** The app's settings are missing or invalid; names every problem at once. */
export class ConfigurationError extends AppError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`, { code: "invalid_configuration", permanent: true });
    this.problems = problems;
  }
}

/** A dependency (Table Storage, ACS) failed in a way worth retrying. */
export class TransientError extends AppError {
  /** Seconds the caller should wait, when the dependency said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { code?: string; cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(message, { code: options.code ?? "transient_failure", permanent: false, cause: options.cause });
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Optimistic concurrency kept losing (too many ETag conflicts in a row); safe to retry later. */
export class ConcurrencyError extends TransientError {
  constructor(message: string) {
    super(message, { code: "concurrency_conflict" });
  }
}

/** True for errors that a retry cannot fix. Unknown errors count as transient so nothing is dropped by mistake. */
export function isPermanentError(error: unknown): boolean {
  return error instanceof AppError && error.permanent;
}
