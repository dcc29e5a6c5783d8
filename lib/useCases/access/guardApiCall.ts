import { runWithOwnDeadline } from "../../core/deadline";
import type { Logger } from "../../core/logging/createLogger";
import type { Principal } from "../../domain/access/Principal";
import type { AuditLog, AuditRecord } from "../../domain/audit/AuditLog";
import { toErrorResponse, type ApiResponse } from "../http/apiTypes";
import { authorizeCall, type AccessMode } from "./authorizeCall";
import { auditRecordOf, type AuditedCall } from "./auditRecord";
import { endpointAccess } from "./endpointAccess";

/** What guarding an API call needs: how callers authenticate, where audit records go, and the time. */
export interface ApiAccessPorts {
  authentication: AccessMode;
  audit: AuditLog;
  clock: () => Date;
  /**
   * How long the record of a finished call may take. It has a deadline of its own: a call that ran out of time (a send
   * answered 504 may still have reached ACS) must be recorded all the same.
   */
  auditTimeoutMs: number;
}

/**
 * Writes an audit record, and logs (without failing the call) when it cannot: the call has happened and its answer
 * must reach the caller. Returns whether it was written.
 */
async function recordAudit(ports: ApiAccessPorts, record: AuditRecord, logger: Logger): Promise<boolean> {
  try {
    await ports.audit.record(record);
    return true;
  } catch (error) {
    logger.error("audit record not written", {
      functionName: record.functionName,
      phase: record.phase,
      status: record.status,
      contactId: record.contactId,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
}

/** The record of a finished call, written under a deadline of its own (see {@link ApiAccessPorts.auditTimeoutMs}). */
function recordOutcome(
  ports: ApiAccessPorts,
  call: AuditedCall,
  principal: Principal,
  response: ApiResponse,
  logger: Logger,
): Promise<boolean> {
  const record = auditRecordOf(call, principal, ports.clock(), { phase: "done", response });
  return runWithOwnDeadline(ports.auditTimeoutMs, () => recordAudit(ports, record, logger));
}

const AUDIT_UNAVAILABLE: ApiResponse = {
  status: 503,
  body: {
    error: {
      code: "audit_unavailable",
      message: "The erasure was not started because its audit record could not be written; try again shortly",
    },
  },
  headers: { "Retry-After": "5" },
};

/**
 * Runs an API call behind its access check and records it for audit:
 *
 * - the caller is authorized first ({@link authorizeCall}); a refused caller gets the 401 or 403 and `run` never
 *   starts. A refusal of a known caller (403) is recorded; an unauthenticated one (401) only logged, so that anyone on
 *   the internet cannot fill the audit table;
 * - an erasure is recorded before it starts, and does not start when that record cannot be written (503
 *   `audit_unavailable`): an erasure must never go unrecorded. Every call is recorded when it has run, with the status
 *   it was answered; a failed write is logged and the answer still goes out, since the read, change or send happened;
 * - Entra ID's signing keys out of reach is answered like any dependency out of reach (503, or 504 past a timeout).
 */
export async function guardApiCall(
  ports: ApiAccessPorts,
  call: AuditedCall,
  run: () => Promise<ApiResponse>,
  logger: Logger,
): Promise<ApiResponse> {
  let principal: Principal;
  try {
    const authorization = await authorizeCall(ports.authentication, call.functionName, call.request, logger);
    if (!authorization.allowed) {
      if (authorization.principal)
        await recordOutcome(ports, call, authorization.principal, authorization.response, logger);
      return authorization.response;
    }
    principal = authorization.principal;
  } catch (error) {
    return toErrorResponse(error, logger);
  }

  if (endpointAccess(call.functionName)?.activity === "erase") {
    const started = auditRecordOf(call, principal, ports.clock(), { phase: "started" });
    if (!(await recordAudit(ports, started, logger))) return AUDIT_UNAVAILABLE;
  }

  let response: ApiResponse;
  try {
    response = await run();
  } catch (error) {
    await recordOutcome(ports, call, principal, { status: 500 }, logger);
    throw error;
  }
  await recordOutcome(ports, call, principal, response, logger);
  return response;
}
