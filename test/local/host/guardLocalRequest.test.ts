import type { IncomingHttpHeaders } from "node:http";
import { describe, expect, it } from "vitest";
import {
  checkLocalRequest,
  isLoopbackHostHeader,
  type LocalRequestGuardOptions,
} from "../../../local/host/guardLocalRequest";

const JSON_BODY = { "content-type": "application/json", "content-length": "2" };

function decide(headers: IncomingHttpHeaders, options?: LocalRequestGuardOptions) {
  return checkLocalRequest({ headers }, options)?.status ?? "pass";
}

describe("isLoopbackHostHeader", () => {
  it.each([
    ["localhost", true],
    ["localhost:7071", true],
    ["LOCALHOST:7071", true],
    ["localhost.:7071", true],
    ["app.localhost:7071", true],
    ["a.b.localhost", true],
    ["127.0.0.1:7071", true],
    ["127.0.0.1", true],
    ["127.255.3.4:80", true],
    ["[::1]:7071", true],
    ["[::1]", true],
    ["[0:0:0:0:0:0:0:1]:7071", true],
    ["[::ffff:127.0.0.1]:7071", true],
    ["[::FFFF:7F00:1]:7071", true],
    ["localhost.evil.com", false],
    ["localhost.evil.com:7071", false],
    ["evil-localhost:7071", false],
    ["127.0.0.1.nip.io:7071", false],
    ["evil.com", false],
    ["evil.com:7071", false],
    ["10.0.0.5:7071", false],
    ["0.0.0.0:7071", false],
    ["128.0.0.1", false],
    ["127.1:7071", false],
    ["0127.0.0.1", false],
    ["2130706433", false],
    ["[::ffff:10.0.0.1]:7071", false],
    ["[::2]:7071", false],
    ["[fe80::1]", false],
    ["::1", false],
    ["localhost:7071:7072", false],
    ["evil.com@localhost", false],
    ["localhost/evil", false],
    ["", false],
  ])("says %j is a loopback Host: %s", (host, expected) => {
    expect(isLoopbackHostHeader(host)).toBe(expected);
  });
});

describe("checkLocalRequest", () => {
  it.each(
    (
      [
        ["a GET from curl to 127.0.0.1", { host: "127.0.0.1:7071" }, "pass"],
        ["a GET to localhost", { host: "localhost:7071" }, "pass"],
        ["a GET to [::1]", { host: "[::1]:7071" }, "pass"],
        ["no Host header (HTTP/1.0)", {}, 421],
        ["an empty Host header", { host: "" }, 421],
        ["a rebound foreign Host", { host: "evil.com:7071" }, 421],
        ["a Host that starts with localhost", { host: "localhost.evil.com:7071" }, 421],
        ["a Host that starts with 127.0.0.1", { host: "127.0.0.1.nip.io:7071" }, 421],
        [
          "a foreign Host even with a loopback Origin",
          { host: "evil.com:7071", origin: "http://localhost:7071", ...JSON_BODY },
          421,
        ],
        ["Origin of another site", { host: "127.0.0.1:7071", origin: "https://evil.com" }, 403],
        ["Origin that starts with localhost", { host: "127.0.0.1:7071", origin: "http://localhost.evil.com" }, 403],
        ["Origin: null", { host: "127.0.0.1:7071", origin: "null" }, 403],
        ["an unreadable Origin", { host: "127.0.0.1:7071", origin: "not an origin" }, 403],
        ["a non-web Origin", { host: "127.0.0.1:7071", origin: "chrome-extension://abcdef" }, 403],
        ["two Origins", { host: "127.0.0.1:7071", origin: "http://localhost:3000, https://evil.com" }, 403],
        ["Sec-Fetch-Site: cross-site", { host: "127.0.0.1:7071", "sec-fetch-site": "cross-site" }, 403],
        ["Sec-Fetch-Site: same-origin", { host: "127.0.0.1:7071", "sec-fetch-site": "same-origin" }, "pass"],
        [
          "Sec-Fetch-Site: none (typed in the address bar)",
          { host: "localhost:7071", "sec-fetch-site": "none" },
          "pass",
        ],
        ["a page on this machine (localhost)", { host: "127.0.0.1:7071", origin: "http://localhost:5173" }, "pass"],
        ["a page on this machine (127.0.0.1)", { host: "127.0.0.1:7071", origin: "http://127.0.0.1:7071" }, "pass"],
        ["a page on this machine ([::1])", { host: "[::1]:7071", origin: "http://[::1]:3000", ...JSON_BODY }, "pass"],
        ["a JSON body", { host: "127.0.0.1:7071", ...JSON_BODY }, "pass"],
        [
          "a JSON body with a charset",
          { host: "127.0.0.1:7071", "content-type": "Application/JSON; charset=utf-8", "content-length": "2" },
          "pass",
        ],
        [
          "a CloudEvents batch",
          { host: "127.0.0.1:7071", "content-type": "application/cloudevents-batch+json", "content-length": "2" },
          "pass",
        ],
        [
          "a single CloudEvent",
          {
            host: "127.0.0.1:7071",
            "content-type": "application/cloudevents+json; charset=utf-8",
            "content-length": "2",
          },
          "pass",
        ],
        [
          "a chunked JSON body",
          { host: "127.0.0.1:7071", "content-type": "application/json", "transfer-encoding": "chunked" },
          "pass",
        ],
        ["a text/plain body", { host: "127.0.0.1:7071", "content-type": "text/plain", "content-length": "2" }, 415],
        [
          "a chunked text/plain body",
          { host: "127.0.0.1:7071", "content-type": "text/plain;charset=UTF-8", "transfer-encoding": "chunked" },
          415,
        ],
        [
          "a form body",
          { host: "127.0.0.1:7071", "content-type": "application/x-www-form-urlencoded", "content-length": "2" },
          415,
        ],
        [
          "a multipart body",
          { host: "127.0.0.1:7071", "content-type": "multipart/form-data; boundary=x", "content-length": "2" },
          415,
        ],
        ["a body without a type (curl -d sends a form type)", { host: "127.0.0.1:7071", "content-length": "2" }, 415],
        [
          "a type that only ends in json",
          { host: "127.0.0.1:7071", "content-type": "text/json", "content-length": "2" },
          415,
        ],
        [
          "a type that only starts like JSON",
          { host: "127.0.0.1:7071", "content-type": "application/jsonx", "content-length": "2" },
          415,
        ],
        [
          "text/plain with no body",
          { host: "127.0.0.1:7071", "content-type": "text/plain", "content-length": "0" },
          "pass",
        ],
        [
          "a cross-site text/plain body",
          { host: "127.0.0.1:7071", origin: "https://evil.com", "content-type": "text/plain", "content-length": "2" },
          403,
        ],
      ] satisfies [string, IncomingHttpHeaders, number | "pass"][]
    ).map(([name, headers, expected]) => ({ name, headers, expected })),
  )("answers $expected when it gets $name", ({ headers, expected }) => {
    expect(decide(headers)).toBe(expected);
  });

  it("accepts a body type the endpoint names, but never one a browser sends cross-site without asking", () => {
    const csv = { host: "127.0.0.1:7071", "content-type": "text/csv; charset=utf-8", "content-length": "9" };
    const plain = { ...csv, "content-type": "text/plain" };

    expect(decide(csv)).toBe(415);
    expect(decide(csv, { bodyTypes: ["text/csv"] })).toBe("pass");
    expect(decide(plain, { bodyTypes: ["text/csv", "text/plain"] })).toBe(415);
  });

  it("names the problem without repeating more than a short piece of a foreign header", () => {
    const long = `${"a".repeat(500)}.example`;
    const hostRefusal = checkLocalRequest({ headers: { host: `${long}:7071` } });
    const originRefusal = checkLocalRequest({ headers: { host: "localhost", origin: `https://${long}` } });
    const typeRefusal = checkLocalRequest({
      headers: { host: "localhost", "content-type": "text/plain", "content-length": "1" },
    });

    expect(hostRefusal).toMatchObject({ status: 421, code: "misdirected_request" });
    expect(hostRefusal?.message).toContain("Host header");
    expect(hostRefusal?.message.length).toBeLessThan(300);
    expect(hostRefusal?.message).not.toContain("a".repeat(61));
    expect(originRefusal).toMatchObject({ status: 403, code: "cross_site_request" });
    expect(originRefusal?.message).not.toContain("a".repeat(61));
    expect(typeRefusal).toMatchObject({ status: 415, code: "unsupported_media_type" });
    expect(typeRefusal?.message).toContain("application/json");
  });

  it("keeps control characters of a foreign Host out of its message", () => {
    const refusal = checkLocalRequest({ headers: { host: "evil.com\u001b[31m\u0000" } });

    expect(refusal?.status).toBe(421);
    expect(refusal?.message).not.toContain("\u001b");
    expect(refusal?.message).not.toContain("\u0000");
    expect(refusal?.message).toContain('"evil.com?[31m?"');
  });
});
