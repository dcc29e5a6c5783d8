/**
 * Masks a phone number or BSUID for logs: enough to tell values apart while debugging, never the whole value.
 * `+447700900123` → `+44******123`; `US.13491208655302741918` → `US.****918`.
 */
export function maskIdentifier(value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "(none)";
  const bsuid = /^([A-Z]{2}\.(?:ENT\.)?)(.*)$/.exec(value);
  if (bsuid) {
    const rest = bsuid[2] ?? "";
    return `${bsuid[1]}****${rest.length > 6 ? rest.slice(-3) : ""}`;
  }
  if (value.length <= 6) return "****";
  const head = value.startsWith("+") ? value.slice(0, 3) : value.slice(0, 2);
  return `${head}${"*".repeat(Math.max(4, value.length - head.length - 3))}${value.slice(-3)}`;
}

/** A BSUID (`US.1349…`, `US.ENT.1181…`) anywhere in a text. */
const BSUID_IN_TEXT = /\b[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{6,128}\b/g;
/** A phone number anywhere in a text: 8 to 15 digits, with or without `+` (ACS writes them without). */
const PHONE_IN_TEXT = /\+?(?<![\d.-])\d{8,15}(?![\d.-])/g;

/**
 * Masks every BSUID and phone-like number in a text (a raw event kept for people to read) with
 * {@link maskIdentifier}. Errs on the side of masking: any run of 8 to 15 digits is treated as a phone number.
 */
export function maskIdentifiersInText(text: string): string {
  return text
    .replace(BSUID_IN_TEXT, (match) => maskIdentifier(match))
    .replace(PHONE_IN_TEXT, (match) => maskIdentifier(match));
}
