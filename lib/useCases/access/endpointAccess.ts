import type { AppRole } from "../../domain/access/Principal";
import type { AuditActivity } from "../../domain/audit/AuditLog";

/** What an API function needs of its caller, and what it does to contact data (for the audit record). */
export interface EndpointAccess {
  role: AppRole;
  activity: AuditActivity;
}

/**
 * The role each API function needs with Entra ID access, by function name (as registered with `app.http`). A function
 * missing here is refused to every Entra ID caller (fail closed); `GET /api/health` is not an API function (it
 * answers for itself and reveals no contact data). A role grants only its own functions: a client that reads and
 * sends gets both roles.
 */
export const ENDPOINT_ACCESS: Readonly<Record<string, EndpointAccess>> = {
  getContact: { role: "Contacts.Read", activity: "read" },
  findContact: { role: "Contacts.Read", activity: "read" },
  getMessage: { role: "Contacts.Read", activity: "read" },
  sendMessage: { role: "Messages.Send", activity: "send" },
  relinkContact: { role: "Contacts.Write", activity: "change" },
  eraseContact: { role: "Contacts.Erase", activity: "erase" },
  eraseContactByIdentifier: { role: "Contacts.Erase", activity: "erase" },
};

/** The access rule of a function, or undefined when there is none. */
export function endpointAccess(functionName: string): EndpointAccess | undefined {
  return Object.hasOwn(ENDPOINT_ACCESS, functionName) ? ENDPOINT_ACCESS[functionName] : undefined;
}
