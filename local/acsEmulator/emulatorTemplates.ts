import { isBsuidRecipient, type EmulatorError, type ValidNotification } from "./validateNotification";

/**
 * A WhatsApp template the emulator lists and applies WhatsApp's rules to.
 *
 * ACS lists a template as `{ name, language, status, kind: "whatsApp", content }` (`WhatsAppMessageTemplateItem`),
 * where `content` is "the payload returned from WhatsApp API": in every published listing example, the template's
 * array of components (`BODY`, `FOOTER`, ...) and no category. The emulator lists templates that way.
 */
export interface EmulatorTemplate {
  name: string;
  language: string;
  /**
   * Meta's category, known to WhatsApp but not listed by ACS. `AUTHENTICATION` templates are refused for BSUID
   * recipients (WhatsApp error 131062), and listed with an OTP button (as Meta requires them to have) unless
   * `components` already hold one or `content` is given.
   */
  category?: "AUTHENTICATION" | "MARKETING" | "UTILITY" | (string & {});
  /** ACS's aggregated status; `approved` when omitted. */
  status?: "approved" | "rejected" | "pending" | "paused";
  /** The channel that owns it; every configured channel when omitted. */
  channelId?: string;
  /** Meta's template components, listed as the item's `content`; a `BODY` naming the template when omitted. */
  components?: unknown[];
  /**
   * Listed verbatim as the item's `content`, instead of `components` (e.g. an item of a published listing example,
   * or a payload in another shape). No OTP button is added to it.
   */
  content?: unknown;
}

/** The listing item ACS returns for a template (`WhatsAppMessageTemplateItem`). */
export function toListedTemplate(template: EmulatorTemplate): Record<string, unknown> {
  return {
    name: template.name,
    language: template.language,
    status: template.status ?? "approved",
    kind: "whatsApp",
    content: listedContent(template),
  };
}

function listedContent(template: EmulatorTemplate): unknown {
  if ("content" in template) return template.content;
  const components = template.components ?? [{ type: "BODY", text: `Hello {{1}}, this is ${template.name}.` }];
  if (!isCategory(template, "AUTHENTICATION") || components.some(hasOtpButton)) return components;
  return [...components, { type: "BUTTONS", buttons: [{ type: "OTP", otp_type: "COPY_CODE", text: "Copy code" }] }];
}

/**
 * What WhatsApp knows of the template: its category when given, else whether its listing shows an OTP button.
 * Kept separate from the app's own reading of listings, so a wrong reading there is not mirrored here.
 */
function isAuthentication(template: EmulatorTemplate): boolean {
  if (template.category !== undefined) return isCategory(template, "AUTHENTICATION");
  const content = listedContent(template);
  return Array.isArray(content) && content.some(hasOtpButton);
}

function isCategory(template: EmulatorTemplate, category: string): boolean {
  return template.category?.toUpperCase() === category;
}

function hasOtpButton(component: unknown): boolean {
  if (typeof component !== "object" || component === null) return false;
  const { type, buttons } = component as { type?: unknown; buttons?: unknown };
  return (
    String(type).toUpperCase() === "BUTTONS" &&
    Array.isArray(buttons) &&
    buttons.some((button) => String((button as { type?: unknown } | null)?.type).toUpperCase() === "OTP")
  );
}

/**
 * WhatsApp's refusals of a template send, applied by rule so tests see them without asking:
 * - a template the channel does not list in that language: Meta's `132001` ("template name does not exist in the
 *   translation");
 * - an authentication template to a BSUID: Meta's `131062` (authentication templates need a phone number).
 */
export function refuseTemplateSend(
  notification: ValidNotification,
  channelTemplates: readonly EmulatorTemplate[],
): EmulatorError | undefined {
  if (notification.kind !== "template") return undefined;
  const { name, language } = notification.body.template as { name: string; language: string };
  const known = channelTemplates.find((candidate) => candidate.name === name && candidate.language === language);
  if (known === undefined) {
    return {
      status: 400,
      code: "132001",
      message:
        `(#132001) Template name does not exist in the translation: the channel lists no template ${name} in ` +
        `language ${language}.`,
      target: "template.name",
    };
  }
  if (!isBsuidRecipient(notification.to) || !isAuthentication(known)) return undefined;
  return {
    status: 400,
    code: "131062",
    message:
      `(#131062) Template ${name} is an authentication template; authentication templates can only be ` +
      "sent to phone numbers, not to business-scoped user IDs (BSUIDs).",
    target: "to",
  };
}
