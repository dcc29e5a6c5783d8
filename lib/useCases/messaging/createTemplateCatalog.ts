import type { Logger } from "../../core/logging/createLogger";
import type { TemplateSummary } from "../../domain/messaging/TemplateSummary";

/** Tells whether a template is an authentication template (which WhatsApp refuses to send to a BSUID). */
export interface TemplateCatalog {
  isAuthenticationTemplate(channelId: string, templateName: string): Promise<boolean>;
  /**
   * Records that WhatsApp treated the template as an authentication one (it refused it for a BSUID with 131062), so
   * later sends go to the phone straight away even while the listing is unavailable. Kept for the process's life.
   */
  learnAuthenticationTemplate(channelId: string, templateName: string): void;
}

const DEFAULT_TTL_MS = 10 * 60 * 1000;

/**
 * Creates a catalog answering from the `AUTHENTICATION_TEMPLATES` setting, from templates WhatsApp refused for a BSUID
 * ({@link TemplateCatalog.learnAuthenticationTemplate}) and, when given, from ACS's template listing (cached per
 * channel, so sends do not list templates every time). The listing marks a template as an authentication one by an
 * OTP button among its components or an `AUTHENTICATION` category wherever the payload carries one (see
 * `summarizeTemplateItem`); a template whose listed content cannot be read counts as not known to be one.
 *
 * A failed listing falls back to the last listing seen for the channel, however old, or else to the setting alone,
 * and is retried on a later send: sending must not depend on the listing being up.
 */
export function createTemplateCatalog(options: {
  configured: ReadonlySet<string>;
  listTemplates?: (channelId: string) => Promise<TemplateSummary[]>;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}): TemplateCatalog {
  const cache = new Map<string, { at: number; authentication: Set<string> }>();
  const learned = new Set<string>();
  const now = options.now ?? Date.now;
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;

  return {
    learnAuthenticationTemplate(channelId, templateName) {
      learned.add(`${channelId}|${templateName}`);
    },

    async isAuthenticationTemplate(channelId, templateName) {
      if (options.configured.has(templateName) || learned.has(`${channelId}|${templateName}`)) return true;
      if (!options.listTemplates) return false;
      let entry = cache.get(channelId);
      if (!entry || now() - entry.at > ttl) {
        try {
          const templates = await options.listTemplates(channelId);
          entry = {
            at: now(),
            authentication: new Set(templates.filter((t) => t.isAuthentication).map((t) => t.name)),
          };
          cache.set(channelId, entry);
        } catch (error) {
          // A stale listing still knows which templates are authentication ones (categories rarely change); without
          // it, an authentication template would go to a BSUID and come back refused (131062).
          options.logger.warn(
            entry
              ? "template listing failed; using the last listing"
              : "template listing failed; using AUTHENTICATION_TEMPLATES only",
            { error: error instanceof Error ? error.message : String(error) },
          );
          if (!entry) return false;
        }
      }
      return entry.authentication.has(templateName);
    },
  };
}
