import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { writeJson } from "./httpBodies";
import { isJsonMediaType, mediaTypeOf } from "../../lib/core/mediaTypes";

/**
 * Why a request to a local server was refused, before any handler ran:
 *
 * - 421 `misdirected_request`: the `Host` header does not name this machine. A page on another site that re-points
 *   its own name at 127.0.0.1 (DNS rebinding) reaches the port, but its requests still carry its name in `Host`.
 * - 403 `cross_site_request`: a browser said the request comes from another site (`Origin` that is not a loopback
 *   origin, `Origin: null`, or `Sec-Fetch-Site: cross-site`).
 * - 415 `unsupported_media_type`: a body whose content type is not JSON (or a type the endpoint names). Browsers
 *   send `text/plain` and form bodies to any site without asking it first; JSON they send only after a CORS
 *   preflight, which these servers never grant.
 */
export interface LocalRequestRefusal {
  status: 421 | 403 | 415;
  code: "misdirected_request" | "cross_site_request" | "unsupported_media_type";
  message: string;
}

/** Settings of {@link checkLocalRequest}. */
export interface LocalRequestGuardOptions {
  /**
   * Media types besides JSON a body may have at this endpoint (essence only, e.g. `text/csv`). The types a browser
   * sends cross-site without a preflight (`text/plain`, `application/x-www-form-urlencoded`, `multipart/form-data`)
   * are refused even when listed here.
   */
  bodyTypes?: readonly string[];
}

/** Content types a browser may send to any site without a CORS preflight (the Fetch standard's safelist). */
const SIMPLE_REQUEST_TYPES = new Set(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);

/** Longest piece of a refused header repeated in a refusal's message. */
const SHOWN_HEADER_LENGTH = 60;

const loopbackAddresses = new BlockList();
loopbackAddresses.addSubnet("127.0.0.0", 8, "ipv4");
// Also matches the IPv4-mapped forms of 127.0.0.0/8 (`::ffff:127.0.0.1`), which BlockList checks against IPv4 rules.
loopbackAddresses.addAddress("::1", "ipv6");

/**
 * True when `name` (a host name or address, IPv6 in brackets or not, no port) is this machine's loopback interface:
 * `localhost` and names under `.localhost` (RFC 6761 reserves them for loopback, and browsers resolve them there
 * without asking DNS), an address in 127.0.0.0/8 written as four decimal numbers, `::1` or an IPv4-mapped loopback.
 *
 * Wider than `isLoopbackHost` in `lib/core`, which decides where the app may send over plain HTTP and needs only the
 * usual spellings; here every name a developer may type for this machine has to pass.
 */
export function isLoopbackName(name: string): boolean {
  const lower = name.toLowerCase().replace(/\.$/, "");
  if (lower === "localhost" || /^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.localhost$/.test(lower)) return true;
  if (isIPv4(lower)) return loopbackAddresses.check(lower, "ipv4");
  const bare = lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
  return /^[0-9a-f:.]+$/.test(bare) && isIPv6(bare) && loopbackAddresses.check(bare, "ipv6");
}

/**
 * True when a `Host` header value (`name[:port]`, `[v6][:port]`) names this machine's loopback interface; the port is
 * not looked at.
 */
export function isLoopbackHostHeader(host: string): boolean {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[^[\]:]+)(?::\d*)?$/.exec(host.trim());
  return match?.[1] !== undefined && isLoopbackName(match[1]);
}

/**
 * The refusal a local server must answer `req` with before any handler runs, or `undefined` when the request may go
 * on. Requests without `Origin` (curl, the Azure SDKs, the local topic delivering to the host, other server-to-server
 * calls) pass the cross-site check; every request must name a loopback `Host`.
 */
export function checkLocalRequest(
  req: { headers: IncomingHttpHeaders },
  options: LocalRequestGuardOptions = {},
): LocalRequestRefusal | undefined {
  const host = req.headers.host;
  if (host === undefined || host.trim() === "") {
    return {
      status: 421,
      code: "misdirected_request",
      message:
        "The request has no Host header; this local server answers requests addressed to 127.0.0.1 or localhost.",
    };
  }
  if (!isLoopbackHostHeader(host)) {
    return {
      status: 421,
      code: "misdirected_request",
      message:
        `The Host header ${shown(host)} does not name this machine; this local server answers only requests ` +
        "addressed to 127.0.0.1, localhost or [::1], so pages of other sites cannot reach it by rebinding their name.",
    };
  }

  const origin = single(req.headers.origin);
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return {
      status: 403,
      code: "cross_site_request",
      message: `Requests from the web page origin ${shown(origin)} are refused; only this machine's own tools may call the local stack.`,
    };
  }
  if (single(req.headers["sec-fetch-site"])?.trim().toLowerCase() === "cross-site") {
    return {
      status: 403,
      code: "cross_site_request",
      message:
        "Cross-site requests (Sec-Fetch-Site: cross-site) are refused; only this machine's own tools may call the local stack.",
    };
  }

  if (hasBody(req.headers)) {
    const type = mediaTypeOf(req.headers["content-type"]);
    const accepted =
      type !== undefined &&
      !SIMPLE_REQUEST_TYPES.has(type) &&
      (isJsonMediaType(type) || (options.bodyTypes ?? []).some((t) => t.toLowerCase() === type));
    if (!accepted) {
      const expected = ["application/json", ...(options.bodyTypes ?? [])].join(" or ");
      return {
        status: 415,
        code: "unsupported_media_type",
        message:
          `The body's Content-Type is ${type === undefined ? "missing" : shown(type)}; send ${expected} ` +
          '(e.g. curl -H "content-type: application/json").',
      };
    }
  }
  return undefined;
}

/**
 * Answers `res` with the refusal {@link checkLocalRequest} finds, as `{ "error": { "code", "message" } }`, and
 * returns true; returns false, writing nothing, when the request may go on.
 */
export function refuseNonLocalRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: LocalRequestGuardOptions = {},
): boolean {
  const refusal = checkLocalRequest(req, options);
  if (refusal === undefined) return false;
  writeJson(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
  return true;
}

/** `Origin` of a page served from this machine (`http://localhost:3000`, `http://127.0.0.1:5173`, ...). */
function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin.trim());
  } catch {
    return false; // `null` (sandboxed pages, file: URLs, redirects across sites) and anything unreadable
  }
  const web = url.protocol === "http:" || url.protocol === "https:";
  return web && url.username === "" && url.password === "" && isLoopbackName(url.hostname);
}

/** Whether the request carries a body (a length above zero, or chunked). */
function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = Number(headers["content-length"] ?? "0");
  return !(length === 0);
}

/** The lower-case essence of a Content-Type (`application/json; charset=utf-8` → `application/json`). */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** A header value as it may appear in a refusal: quoted, printable ASCII only, at most {@link SHOWN_HEADER_LENGTH}. */
function shown(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, "?");
  const cut = printable.length > SHOWN_HEADER_LENGTH ? `${printable.slice(0, SHOWN_HEADER_LENGTH)}…` : printable;
  return JSON.stringify(cut);
}
