import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * Checks a publisher's credentials the way an Event Grid topic does (Microsoft Learn "Authenticate Azure Event Grid
 * clients using access keys or shared access signatures"):
 *
 * - an access key in the `aeg-sas-key` header (what `EventGridPublisherClient` with `AzureKeyCredential` sends) or the
 *   `aeg-sas-key` query parameter;
 * - a SAS token (`r=<resource>&e=<expiry>&s=<signature>`, as `generateSharedAccessSignature` from `@azure/eventgrid`
 *   makes it) in `aeg-sas-token` or `Authorization: SharedAccessSignature <token>`: HMAC-SHA256 of `r=…&e=…` keyed with
 *   the base64-decoded access key, not expired, for this topic's URL.
 *
 * Microsoft Entra tokens are not accepted locally. Returns `undefined` when authenticated, else why not (the topic
 * answers 401 Unauthorized either way, as the service does for a missing or invalid key).
 */
export function authenticatePublisher(
  headers: IncomingHttpHeaders,
  url: URL,
  options: { accessKey: string; topicUrl: string; now?: Date },
): string | undefined {
  const key = header(headers, "aeg-sas-key") ?? url.searchParams.get("aeg-sas-key") ?? undefined;
  if (key !== undefined) return sameText(key, options.accessKey) ? undefined : "The access key is not valid.";

  const authorization = header(headers, "authorization");
  const sas =
    header(headers, "aeg-sas-token") ??
    (authorization?.startsWith("SharedAccessSignature ")
      ? authorization.slice("SharedAccessSignature ".length)
      : undefined);
  if (sas !== undefined) return checkSasToken(sas, options);
  if (authorization?.toLowerCase().startsWith("bearer ")) {
    return "Microsoft Entra tokens are not accepted by the local topic; use its access key (aeg-sas-key).";
  }
  return "The request has no aeg-sas-key or aeg-sas-token.";
}

function checkSasToken(
  token: string,
  options: { accessKey: string; topicUrl: string; now?: Date },
): string | undefined {
  const signatureAt = token.lastIndexOf("&s=");
  if (signatureAt < 0) return "The SAS token has no signature.";
  const unsigned = token.slice(0, signatureAt);
  const fields = new URLSearchParams(token);
  const resource = fields.get("r");
  const expiry = fields.get("e");
  const signature = fields.get("s");
  if (!resource || !expiry || !signature) return "The SAS token lacks r, e or s.";
  const expected = createHmac("sha256", Buffer.from(options.accessKey, "base64")).update(unsigned).digest("base64");
  if (!sameText(signature, expected)) return "The SAS token's signature is not valid.";
  const expiresAt = parseExpiry(expiry);
  if (Number.isNaN(expiresAt) || expiresAt <= (options.now ?? new Date()).getTime())
    return "The SAS token has expired.";
  const resourcePath = resource.split("?")[0]?.toLowerCase().replace(/\/$/, "") ?? "";
  const topicPath = options.topicUrl.toLowerCase().replace(/\/$/, "");
  if (resourcePath !== topicPath) return "The SAS token was issued for another resource.";
  return undefined;
}

/** `M/D/YYYY h:mm:ss AM` in UTC, as `@azure/eventgrid` writes it, or any ISO 8601 time. */
function parseExpiry(text: string): number {
  const found = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/i.exec(text.trim());
  if (!found) return Date.parse(text);
  const [, month, day, year, hour, minute, second, half] = found;
  const hour24 = (Number(hour) % 12) + (half?.toUpperCase() === "PM" ? 12 : 0);
  return Date.UTC(Number(year), Number(month) - 1, Number(day), hour24, Number(minute), Number(second));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
