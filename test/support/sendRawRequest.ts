import { request, type IncomingHttpHeaders } from "node:http";

/** What a local server answered to {@link sendRawRequest}. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * Sends one HTTP/1.1 request with exactly the headers given, `Host` included (fetch sets `Host` from the URL and
 * may not send `Origin` or `Sec-Fetch-Site` as given), so a test can play a browser on another site or a rebound name.
 * The connection goes to the URL's address whatever `Host` says.
 */
export function sendRawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const headers = { ...(init.headers ?? {}) };
  const hasHost = Object.keys(headers).some((name) => name.toLowerCase() === "host");
  if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers, setHost: !hasHost, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** One way a request can come from somewhere other than this machine's own tools, and the answer it must get. */
export interface ForeignRequestCase {
  name: string;
  /** Headers replacing the request's own (a `host` replaces the loopback one). */
  headers: (loopbackHost: string) => Record<string, string>;
  status: 421 | 403 | 415;
  code: "misdirected_request" | "cross_site_request" | "unsupported_media_type";
}

/**
 * Requests every local server must refuse before any handler runs: DNS rebinding (a foreign name in `Host`), pages of
 * other sites (their `Origin`, `Origin: null`, `Sec-Fetch-Site: cross-site`) and the bodies a browser posts to any site
 * without asking it (`text/plain`, forms).
 */
export const FOREIGN_REQUESTS: readonly ForeignRequestCase[] = [
  {
    name: "the Host is a rebound foreign name",
    headers: (loopback) => ({ host: `attacker.example:${portOf(loopback)}` }),
    status: 421,
    code: "misdirected_request",
  },
  {
    name: "the Host only starts with localhost",
    headers: (loopback) => ({ host: `localhost.attacker.example:${portOf(loopback)}` }),
    status: 421,
    code: "misdirected_request",
  },
  {
    name: "the Host only starts with 127.0.0.1",
    headers: (loopback) => ({ host: `127.0.0.1.nip.io:${portOf(loopback)}` }),
    status: 421,
    code: "misdirected_request",
  },
  {
    name: "a page of another site sent it (Origin)",
    headers: () => ({ origin: "https://attacker.example" }),
    status: 403,
    code: "cross_site_request",
  },
  {
    name: "a sandboxed page or a file sent it (Origin: null)",
    headers: () => ({ origin: "null" }),
    status: 403,
    code: "cross_site_request",
  },
  {
    name: "the browser marks it cross-site (Sec-Fetch-Site)",
    headers: () => ({ "sec-fetch-site": "cross-site" }),
    status: 403,
    code: "cross_site_request",
  },
  {
    name: "the JSON body is sent as text/plain",
    headers: () => ({ "content-type": "text/plain;charset=UTF-8" }),
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "the JSON body is sent as a form",
    headers: () => ({ "content-type": "application/x-www-form-urlencoded" }),
    status: 415,
    code: "unsupported_media_type",
  },
];

/** Ways this machine's own tools address a local server, all of which must pass. */
export const LOOPBACK_HOSTS: readonly ((port: string) => string)[] = [
  (port) => `127.0.0.1:${port}`,
  (port) => `localhost:${port}`,
  (port) => `LOCALHOST:${port}`,
  (port) => `[::1]:${port}`,
  (port) => `tools.localhost:${port}`,
];

function portOf(host: string): string {
  return host.slice(host.lastIndexOf(":") + 1);
}
