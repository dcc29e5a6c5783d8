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
