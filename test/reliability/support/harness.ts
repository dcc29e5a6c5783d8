import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp, type AppServices } from "../../../lib/app/createAppServices";
import { handleAdvancedMessageReceived } from "../../../lib/useCases/events/handleAdvancedMessageReceived";
import { handleDeliveryStatusUpdated } from "../../../lib/useCases/events/handleDeliveryStatusUpdated";
import { createLogger, type Logger } from "../../../lib/core/logging/createLogger";
import { STATUS_EVENT_TYPE, SYNTHETIC_CHANNEL_ID } from "../../../bench/syntheticEvents";
import { azuriteConnectionString, uniqueTablePrefix } from "../../support/createTestTables";
import { captureSink } from "./privacy";

/** The logger every reliability test hands the app: its lines go to the privacy capture. */
export const capturedLogger: Logger = createLogger(captureSink);

/** The reply route of the reliability corpus: text messages starting with "help" get one automatic answer. */
export const HELP_ROUTE = "help-reply";

/** Writes a routes file with the help reply route and returns its path. */
export function writeHelpRoutesFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "reliability-routes-"));
  const file = join(dir, "routes.json");
  writeFileSync(
    file,
    JSON.stringify({
      routes: [
        { name: "store-every-message", actions: [{ type: "store" }] },
        {
          name: HELP_ROUTE,
          filter: {
            advancedFilters: [
              { operatorType: "StringIn", key: "data.messageType", values: ["text"] },
              { operatorType: "StringBeginsWith", key: "data.content", values: ["help"] },
            ],
          },
          actions: [{ type: "reply", message: { kind: "text", text: "Thanks, someone will get back to you today." } }],
        },
      ],
    }),
  );
  return file;
}

/** Settings of {@link createInstances}. */
export interface InstanceOptions {
  /** Table name prefix; a fresh one (empty tables) when omitted. */
  prefix?: string;
  /** The storage to use; the Azurite of the test run's global set-up when omitted. */
  connectionString?: string;
  /** How many app instances share the tables, each with its own services and identity cache. */
  instances?: number;
  /** The ACS emulator's connection string, for sends; none when omitted. */
  acsConnectionString?: string;
  routesFile?: string;
}

/** App instances (as on several Functions hosts) sharing one set of tables in the test Azurite. */
export interface Instances {
  prefix: string;
  all: AppServices[];
}

/** Starts `instances` services on the same tables, as that many Functions instances would. */
export async function createInstances(options: InstanceOptions = {}): Promise<Instances> {
  const prefix = options.prefix ?? uniqueTablePrefix();
  const env: Record<string, string> = {
    TABLE_STORAGE_CONNECTION_STRING: options.connectionString ?? azuriteConnectionString(),
    TABLE_NAME_PREFIX: prefix,
    // Without ROUTES_FILE the project's routes.json applies (store only); a test may give its own.
    ...(options.routesFile ? { ROUTES_FILE: options.routesFile } : {}),
    ...(options.acsConnectionString
      ? { ACS_CONNECTION_STRING: options.acsConnectionString, ACS_CHANNEL_IDS: SYNTHETIC_CHANNEL_ID }
      : {}),
  };
  // Each instance starts the way a Functions instance does; creating tables that exist is a no-op.
  const all = await Promise.all(Array.from({ length: options.instances ?? 1 }, () => startApp({ env })));
  return { prefix, all };
}

/** What Event Grid's subscriptions do: a status event goes to `deliveryStatusUpdated`, the rest to the other. */
export function handleEvent(services: AppServices, event: unknown, logger: Logger = capturedLogger) {
  const type = (event as { eventType?: unknown } | null)?.eventType;
  return type === STATUS_EVENT_TYPE
    ? handleDeliveryStatusUpdated(services, event, logger)
    : handleAdvancedMessageReceived(services, event, logger);
}

/** One delivery the simulated Event Grid could not complete. */
export interface UndeliveredEvent {
  index: number;
  attempts: number;
  reason: string;
}

/** What {@link deliver} did. */
export interface DeliveryReport {
  deliveries: number;
  attempts: number;
  retried: number;
  /** Handler results by `result` (processed, rejected, ignored). */
  results: Record<string, number>;
  /** Deliveries that still failed after `maxAttempts` (Event Grid would dead-letter them). */
  undelivered: UndeliveredEvent[];
  durationMs: number;
}

/**
 * Delivers `events` like Event Grid's push delivery: at most `concurrency` at a time, each to one of the instances
 * (round robin), and a delivery whose handler throws is retried after a growing wait, up to `maxAttempts`.
 */
export async function deliver(
  instances: readonly AppServices[],
  events: readonly unknown[],
  options: { concurrency: number; maxAttempts?: number; retryWaitMs?: (attempt: number) => number } = {
    concurrency: 32,
  },
): Promise<DeliveryReport> {
  // Compressed, like the local topic's schedule, but long enough in total (about 30 s) for an identity key left by an
  // interrupted creation to age past HEAL_AFTER_MS and be healed.
  const maxAttempts = options.maxAttempts ?? 15;
  const wait = options.retryWaitMs ?? ((attempt: number) => Math.min(3000, 50 * 2 ** attempt));
  const report: DeliveryReport = {
    deliveries: events.length,
    attempts: 0,
    retried: 0,
    results: {},
    undelivered: [],
    durationMs: 0,
  };
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const index = next++;
      const instance = instances[index % instances.length]!;
      for (let attempt = 1; ; attempt++) {
        report.attempts++;
        try {
          const outcome = (await handleEvent(instance, events[index])) as { result: string };
          report.results[outcome.result] = (report.results[outcome.result] ?? 0) + 1;
          break;
        } catch (error) {
          if (attempt >= maxAttempts) {
            report.undelivered.push({ index, attempts: attempt, reason: (error as Error).message });
            break;
          }
          if (attempt === 1) report.retried++;
          await new Promise((resolve) => setTimeout(resolve, wait(attempt)));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  report.durationMs = Date.now() - started;
  return report;
}
