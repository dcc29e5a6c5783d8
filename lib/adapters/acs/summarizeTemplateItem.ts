import type { TemplateSummary } from "../../domain/messaging/TemplateSummary";

const OTP_TYPES = new Set(["COPY_CODE", "ONE_TAP", "ZERO_TAP"]);

/**
 * Reads one item of ACS's template listing (`WhatsAppMessageTemplateItem`: `name`, `language`, `status`, `kind`,
 * and `content`, typed `unknown`: "the payload returned from WhatsApp API").
 *
 * `content` is read in every form it may take: the array of components the published examples show, Meta's template
 * object (`{ category, components }`), or anything else, which is kept as "not known to be an authentication
 * template" rather than refused. Returns `undefined` only for an item without a name, which no send can refer to.
 * Never throws.
 */
export function summarizeTemplateItem(item: unknown): TemplateSummary | undefined {
  if (!isRecord(item) || typeof item.name !== "string" || item.name === "") return undefined;
  const content = item.content;
  const category = upperCase(item.category) ?? (isRecord(content) ? upperCase(content.category) : undefined);
  const components = Array.isArray(content)
    ? content
    : isRecord(content) && Array.isArray(content.components)
      ? content.components
      : [];
  return {
    name: item.name,
    language: typeof item.language === "string" ? item.language : "",
    status: typeof item.status === "string" && item.status !== "" ? item.status.toLowerCase() : "unknown",
    category,
    isAuthentication: category === "AUTHENTICATION" || components.some(hasOneTimePasswordButton),
  };
}

/** A `BUTTONS` component (any case) with at least one one-time-password button. */
function hasOneTimePasswordButton(component: unknown): boolean {
  return (
    isRecord(component) &&
    upperCase(component.type) === "BUTTONS" &&
    Array.isArray(component.buttons) &&
    component.buttons.some(isOneTimePasswordButton)
  );
}

/**
 * A button of type `OTP`, or one naming an `otp_type` (`COPY_CODE`, `ONE_TAP`, `ZERO_TAP`), or the `URL` button Meta
 * turns a copy-code button into once the template is created (Meta's "Copy code button authentication templates"
 * page: created as `OTP`, returned as `URL` by a later GET), which points at `https://www.whatsapp.com/otp/...`.
 */
function isOneTimePasswordButton(button: unknown): boolean {
  if (!isRecord(button)) return false;
  const type = upperCase(button.type);
  if (type === "OTP") return true;
  const otpType = upperCase(button.otp_type);
  if (otpType !== undefined && OTP_TYPES.has(otpType)) return true;
  return type === "URL" && typeof button.url === "string" && isWhatsAppOtpUrl(button.url);
}

function isWhatsAppOtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.hostname.toLowerCase() === "www.whatsapp.com" && url.pathname.toLowerCase().startsWith("/otp/");
  } catch {
    return false;
  }
}

function upperCase(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value.toUpperCase() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
