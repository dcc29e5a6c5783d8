import { describe, expect, it } from "vitest";
import { auditRecordOf, auditSubject, type AuditedCall } from "../../../lib/useCases/access/auditRecord";
import type { ApiResponse } from "../../../lib/useCases/http/apiTypes";

const CONTACT = "c_5f0c2a9e8b7d4e1f9a3b6c2d1e0f4a5b";
const PHONE = "+447700900123";
const BSUID = "US.13491208655302741918";

function call(
  functionName: string,
  parts: { params?: Record<string, string>; query?: string; body?: unknown } = {},
): AuditedCall {
  return {
    functionName,
    invocationId: "inv-1",
    request: {
      params: parts.params ?? {},
      query: new URLSearchParams(parts.query ?? ""),
      headers: new Headers(),
      json: () => Promise.resolve(parts.body),
    },
    bodyText: parts.body === undefined ? "" : typeof parts.body === "string" ? parts.body : JSON.stringify(parts.body),
  };
}

const ok = (body: unknown): ApiResponse => ({ status: 200, body });

describe("what an audit record says a call concerned", () => {
  it.each([
    [
      "a contact read by ID",
      call("getContact", { params: { contactId: CONTACT } }),
      ok({ contactId: CONTACT, phone: PHONE, bsuid: BSUID }),
      { contactId: CONTACT, messageId: null, identifiers: [] },
    ],
    [
      "a lookup by phone",
      call("findContact", { query: `phone=${encodeURIComponent(PHONE)}` }),
      ok({ contactId: CONTACT, phone: PHONE }),
      { contactId: CONTACT, messageId: null, identifiers: ["phone +44*******123"] },
    ],
    [
      "a lookup by BSUID that found nobody",
      call("findContact", { query: `bsuid=${BSUID}` }),
      { status: 404, body: { error: { code: "contact_not_found" } } },
      { contactId: null, messageId: null, identifiers: ["bsuid US.****918"] },
    ],
    [
      "a send by phone",
      call("sendMessage", { body: { recipient: { phone: PHONE }, message: { kind: "text", text: "hi" } } }),
      { status: 202, body: { messageId: "m-1", to: BSUID, contactId: CONTACT } },
      { contactId: CONTACT, messageId: "m-1", identifiers: ["phone +44*******123", "to US.****918"] },
    ],
    [
      "a send to a contact ID",
      call("sendMessage", { body: { recipient: { contactId: CONTACT }, message: {} } }),
      { status: 422, body: { error: { code: "outside_window" } } },
      { contactId: CONTACT, messageId: null, identifiers: [] },
    ],
    [
      "a relink",
      call("relinkContact", { params: { contactId: CONTACT }, body: { bsuid: BSUID } }),
      ok({ contact: { contactId: CONTACT, bsuid: BSUID }, previousBsuid: null }),
      { contactId: CONTACT, messageId: null, identifiers: ["bsuid US.****918"] },
    ],
    [
      "an erasure by phone",
      call("eraseContactByIdentifier", { query: `phone=${encodeURIComponent(PHONE)}` }),
      ok({ contactId: CONTACT, state: "erased" }),
      { contactId: CONTACT, messageId: null, identifiers: ["phone +44*******123"] },
    ],
    [
      "a phone number put where a contact ID goes",
      call("getContact", { params: { contactId: PHONE } }),
      { status: 400, body: { error: { code: "invalid_contact_id" } } },
      { contactId: null, messageId: null, identifiers: ["contactId +44*******123"] },
    ],
    [
      "a message read that found nothing, its ID asked for kept masked",
      call("getMessage", { params: { messageId: PHONE } }),
      { status: 404, body: { error: { code: "message_not_found" } } },
      { contactId: null, messageId: null, identifiers: ["messageId +44*******123"] },
    ],
    [
      "a body that is not JSON",
      call("relinkContact", { params: { contactId: CONTACT }, body: `{"bsuid": "${BSUID}"` }),
      { status: 400, body: { error: { code: "invalid_json" } } },
      { contactId: CONTACT, messageId: null, identifiers: [] },
    ],
  ])("names %s with identifiers masked", (_case, audited, response, expected) => {
    const subject = auditSubject(audited, response);
    expect(subject).toEqual(expected);
    expect(JSON.stringify(subject)).not.toMatch(/7700900123|13491208655302741918/);
  });

  it("builds a started record without a status and a done record with the answer's", () => {
    const audited = call("eraseContact", { params: { contactId: CONTACT } });
    const at = new Date("2026-11-20T09:15:01.000Z");
    const started = auditRecordOf(audited, { kind: "functionKey" }, at, { phase: "started" });
    expect(started).toMatchObject({ phase: "started", status: null, activity: "erase", contactId: CONTACT });
    const done = auditRecordOf(audited, { kind: "functionKey" }, at, { phase: "done", response: ok({}) });
    expect(done).toMatchObject({ phase: "done", status: 200, actor: { kind: "functionKey" } });
  });

  it("keeps only who a token says called, not its roles", () => {
    const principal = {
      kind: "entra" as const,
      objectId: "oid-1",
      clientAppId: "app-1",
      name: "Alex",
      username: "alex@contoso.example",
      roles: ["Contacts.Read"],
    };
    const record = auditRecordOf(call("getContact"), principal, new Date(), { phase: "done", response: ok({}) });
    expect(record.actor).toEqual({
      kind: "entra",
      objectId: "oid-1",
      clientAppId: "app-1",
      name: "Alex",
      username: "alex@contoso.example",
    });
  });
});
