import type { AppConfig } from "./loadConfig";
import type { AppTables } from "../adapters/tableStorage/createTableClients";
import { createAuditLog } from "../adapters/tableStorage/createAuditLog";
import { createEntraTokenVerifier } from "../adapters/entra/createEntraTokenVerifier";
import type { ApiAccessPorts } from "../useCases/access/guardApiCall";

/**
 * What guards the API: function keys (checked by the host) or the Entra ID token verifier for the configured tenant
 * and API, and the audit log. `keysUrlForTests` points the verifier at a test's own key set; production passes none.
 */
export function createApiAccess(
  config: AppConfig,
  tables: AppTables,
  clock: () => Date,
  keysUrlForTests?: URL,
): ApiAccessPorts {
  const { access } = config;
  return {
    authentication:
      access.mode === "entra"
        ? {
            mode: "entra",
            verifier: createEntraTokenVerifier({
              tenantId: access.tenantId,
              audience: access.audience,
              keysTimeoutMs: config.limits.outboundTryTimeoutMs,
              keysUrlForTests,
            }),
          }
        : { mode: "keys" },
    audit: createAuditLog(tables.audit),
    clock,
    // One try's time, like the template listing: the record of a call must not hold its answer for long.
    auditTimeoutMs: config.limits.outboundTryTimeoutMs,
  };
}
