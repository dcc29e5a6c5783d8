/**
 * The function app on the local host, alone in its own process, for the throughput benchmark: its memory is then the
 * host's own (peak RSS), not the load generator's. Settings come from the environment (the benchmark points
 * `TABLE_STORAGE_CONNECTION_STRING` at its Azurite). Talks to the parent over IPC:
 * - sends `{ type: "ready", url }` once listening;
 * - answers `{ type: "stats" }` with `{ type: "stats", storageRequests, maxRssKb, rssKb, cpuMs }`;
 * - closes and exits on `{ type: "stop" }`.
 *
 * Besides the app's functions it serves {@link DELIVERY_ONLY_FUNCTION}, so the benchmark can measure what the delivery
 * itself costs (the HTTP hop and the host's work) with nothing of the app in it.
 *
 * Storage requests are counted at the HTTP client (Node's `http.client.request.start` diagnostics channel), because
 * the bundled app's table clients cannot be given a pipeline policy from outside.
 */
import { subscribe } from "node:diagnostics_channel";
import type { ClientRequest } from "node:http";
import { resolve } from "node:path";
import { createLocalHost } from "../local/host/createLocalHost";
import { loadFunctionApp, type FunctionRegistration } from "../local/host/loadFunctionApp";

/** An Event Grid function the benchmark host adds beside the app's: it acknowledges and does nothing else. */
export const DELIVERY_ONLY_FUNCTION = "benchDeliveryOnly";

async function main(): Promise<void> {
  const appRoot = resolve(__dirname, "..", "..");
  const storagePort = new URL(/TableEndpoint=([^;]+)/i.exec(process.env.TABLE_STORAGE_CONNECTION_STRING ?? "")![1]!)
    .port;
  let storageRequests = 0;
  subscribe("http.client.request.start", (message) => {
    const request = (message as { request: ClientRequest }).request;
    if (String(request.getHeader("host") ?? "").endsWith(`:${storagePort}`)) storageRequests++;
  });
  // The delivery alone, for the floor: the same webhook, request and host work, but a handler that does nothing.
  const deliveryOnly: FunctionRegistration = {
    name: DELIVERY_ONLY_FUNCTION,
    bindings: { eventGridTrigger: { type: "eventGridTrigger", direction: "in" } },
    handler: () => undefined,
    triggerType: "eventGridTrigger",
    trigger: { type: "eventGridTrigger", direction: "in" },
  };
  const host = await createLocalHost({ registrations: [...loadFunctionApp(appRoot), deliveryOnly], port: 0 });
  process.on("message", (message: { type?: string }) => {
    if (message.type === "stats") {
      process.send?.({
        type: "stats",
        storageRequests,
        maxRssKb: process.resourceUsage().maxRSS,
        rssKb: Math.round(process.memoryUsage.rss() / 1024),
        cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
      });
    } else if (message.type === "stop") {
      void host.close().then(() => process.exit(0));
    }
  });
  process.send?.({ type: "ready", url: host.url });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
