import { AppError, TransientError } from "../../core/errors";

/**
 * ACS refused a request for a reason a retry cannot fix (a 4xx: bad recipient, unknown channel, failed
 * authentication, a channel rule such as WhatsApp error 131062).
 */
export class UpstreamError extends AppError {
  /** The HTTP status ACS answered with. */
  readonly status: number;
  /** ACS's error code, from the `x-ms-error-code` header or the body's `error.code`. */
  readonly acsErrorCode: string | undefined;
  /** The WhatsApp (Meta) error code when ACS passed one on, e.g. `131062`. */
  readonly channelErrorCode: string | undefined;
  /** The request field ACS blamed, when it said. */
  readonly target: string | undefined;

  constructor(
    message: string,
    options: { status: number; acsErrorCode?: string; channelErrorCode?: string; target?: string; code?: string },
  ) {
    super(message, { code: options.code ?? "acs_request_refused", permanent: true });
    this.status = options.status;
    this.acsErrorCode = options.acsErrorCode;
    this.channelErrorCode = options.channelErrorCode;
    this.target = options.target;
  }
}

/** ACS failed in a way worth retrying: throttled (429), a 5xx, or unreachable. */
export class UpstreamTransientError extends TransientError {
  /** The HTTP status, when there was a response at all. */
  readonly status: number | undefined;
  /** ACS's error code, when it gave one. */
  readonly acsErrorCode: string | undefined;

  constructor(
    message: string,
    options: { code: string; status?: number; acsErrorCode?: string; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(message, { code: options.code, cause: options.cause, retryAfterSeconds: options.retryAfterSeconds });
    this.status = options.status;
    this.acsErrorCode = options.acsErrorCode;
  }
}

/** WhatsApp's code for "authentication templates cannot be sent to a BSUID". */
export const AUTHENTICATION_TEMPLATE_TO_BSUID_CODE = "131062";

/**
 * True when `error` says an authentication template was refused because the recipient is a BSUID, whether the
 * sender refused it up front or ACS/WhatsApp did (error 131062). The caller should retry with the phone number.
 */
export function isAuthenticationTemplateRefusal(error: unknown): boolean {
  if (error instanceof UpstreamError) return error.channelErrorCode === AUTHENTICATION_TEMPLATE_TO_BSUID_CODE;
  return error instanceof AppError && error.code === "authentication_template_needs_phone";
}
