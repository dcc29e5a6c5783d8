import { maskIdentifier } from "../../core/logging/mask";
import { parseContactId } from "../../core/values/identifiers";
import type { Principal } from "../../domain/access/Principal";
import type { AuditActor, AuditRecord } from "../../domain/audit/AuditLog";
import type { ApiRequest, ApiResponse } from "../http/apiTypes";
import { endpointAccess } from "./endpointAccess";

/** An API call as the audit sees it. */
export interface AuditedCall {
  functionName: string;
  invocationId: string;
  request: ApiRequest;
  /** The request body as read (empty for calls without one). */
  bodyText: string;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function parseBody(text: string): Json | undefined {
  if (text === "") return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function validContactId(value: unknown): string | undefined {
  try {
    return parseContactId(value);
  } catch {
    return undefined;
  }
}

/** A value as the audit may keep it: masked, and cut short first, since a caller may put anything where an ID goes. */
function masked(label: string, value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return `${label} ${maskIdentifier(value.slice(0, 64))}`;
}

/**
 * What a call concerned: the contact (the app's own ID, from the answer when it names one, else from the request when
 * the request names a valid one), the message (from the answer), and every phone number and BSUID the call named or
 * was answered with, masked. Anything the request put where an ID goes that is not a valid ID is kept masked too:
 * it may be a phone number typed into the wrong place.
 */
export function auditSubject(
  call: AuditedCall,
  response: ApiResponse | undefined,
): Pick<AuditRecord, "contactId" | "messageId" | "identifiers"> {
  const { request } = call;
  const body = parseBody(call.bodyText);
  const recipient = asObject(body?.recipient);
  const answer = asObject(response?.body);
  const contactId =
    validContactId(answer?.contactId) ??
    validContactId(asObject(answer?.contact)?.contactId) ??
    validContactId(request.params.contactId) ??
    validContactId(recipient?.contactId) ??
    null;
  const messageId = typeof answer?.messageId === "string" ? answer.messageId : null;
  const identifiers = [
    masked("bsuid", request.query.get("bsuid")),
    masked("phone", request.query.get("phone")),
    masked("bsuid", body?.bsuid),
    masked("bsuid", recipient?.bsuid),
    masked("phone", recipient?.phone),
    masked("to", answer?.to),
    validContactId(request.params.contactId) ? undefined : masked("contactId", request.params.contactId),
    messageId === null ? masked("messageId", request.params.messageId) : undefined,
  ].filter((entry): entry is string => entry !== undefined);
  return { contactId, messageId, identifiers: [...new Set(identifiers)] };
}

/** The caller as the audit records it. */
export function auditActor(principal: Principal): AuditActor {
  if (principal.kind === "functionKey") return { kind: "functionKey" };
  const { objectId, clientAppId, name, username } = principal;
  return { kind: "entra", objectId, clientAppId, name, username };
}

/** The audit record of a call: `started` before it runs (erasures), `done` with the answer it got. */
export function auditRecordOf(
  call: AuditedCall,
  principal: Principal,
  at: Date,
  outcome: { phase: "started" } | { phase: "done"; response: ApiResponse },
): AuditRecord {
  const response = outcome.phase === "done" ? outcome.response : undefined;
  return {
    at,
    invocationId: call.invocationId,
    functionName: call.functionName,
    activity: endpointAccess(call.functionName)?.activity ?? null,
    phase: outcome.phase,
    status: response?.status ?? null,
    actor: auditActor(principal),
    ...auditSubject(call, response),
  };
}
