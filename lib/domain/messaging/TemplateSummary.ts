/** A WhatsApp template registered on a channel, with what the reply logic needs to choose one. */
export interface TemplateSummary {
  name: string;
  language: string;
  /** ACS's aggregated status: `approved`, `rejected`, `pending` or `paused` (lower case); `unknown` when missing. */
  status: string;
  /**
   * Meta's category, upper case (`AUTHENTICATION`, `MARKETING`, `UTILITY`), when the listing carries one. ACS's
   * published listings carry none: `content` is the template's components, so this is usually `undefined`.
   */
  category: string | undefined;
  /**
   * True for authentication (one-tap, zero-tap, copy-code) templates, which WhatsApp refuses to send to BSUIDs: an
   * `AUTHENTICATION` category, or a `BUTTONS` component holding a one-time-password button.
   */
  isAuthentication: boolean;
}
