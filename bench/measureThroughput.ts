import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { Agent, request as httpRequest } from "node:http";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cpus } from "node:os";
import { DELIVERY_ONLY_FUNCTION } from "./benchHost";
import { measureStorageCeiling, type StorageCeiling } from "./measureStorageCeiling";
import { cpuMeter } from "./processCpu";
import { createRandom, receivedEvent, statusEvent, syntheticPerson, syntheticUuid } from "./syntheticEvents";

/** One concurrency level of the end-to-end run. */
export interface ThroughputLevel {
  concurrency: number;
  events: number;
  failed: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Storage requests the host made per event in this level (counted in the host process). */
  storageRequestsPerEvent: number;
  /** CPU time (user + system) per event: the host process, this load-generating process, and Azurite (Linux). */
  hostCpuMsPerEvent: number;
  driverCpuMsPerEvent: number;
  azuriteCpuMsPerEvent: number | undefined;
  /** Events/s the machine's cores could give at that much CPU per event (all three processes): the CPU bound. */
  cpuBoundEventsPerSecond: number | undefined;
  /** The mean of `ceilingSamples`. */
  ceiling: StorageCeiling;
  /** The raw storage ceiling measured right before and right after the level. */
  ceilingSamples: { before: StorageCeiling; after: StorageCeiling };
  /** Events/s the storage ceiling allows at this request count: upserts/s ÷ storage requests per event. */
  ceilingEventsPerSecond: number;
  /** `eventsPerSecond / ceilingEventsPerSecond`; the target is ≥ 0.7. */
  ratio: number;
  /**
   * Deliveries per second to a function that does nothing, through the same host at the same concurrency (measured
   * right before the level): the inbound HTTP hop and the host's work, which the storage ceiling leaves out.
   */
  deliveriesPerSecond: number;
  /**
   * Events/s if each event cost one empty delivery plus its storage requests at the ceiling rate and nothing else:
   * `1 / (1 / deliveriesPerSecond + storageRequestsPerEvent / upsertsPerSecond)`. The app's own work is what is left.
   */
  floorEventsPerSecond: number;
  /** `eventsPerSecond / floorEventsPerSecond`. */
  ratioToFloor: number;
}

/** The end-to-end figures and the host's memory. */
export interface ThroughputResult {
  mix: string;
  knownContacts: number;
  secondsPerLevel: number;
  levels: ThroughputLevel[];
  host: { rssAtReadyMb: number; rssAfterWarmUpMb: number; peakRssMb: number };
}

const WEBHOOK = "/runtime/webhooks/eventgrid?functionName=";

/** The event mix: mostly messages from known contacts, some first messages, some delivery statuses. */
function createWorkload(knownContacts: number, seed: number) {
  const random = createRandom(seed);
  let eventNumber = 0;
  let newPeople = 0;
  let second = 0;
  const base = Date.parse("2026-11-20T00:00:00Z");
  // Every event is later than the last, so a known contact's lastInbound always moves: the realistic steady state.
  const now = () => new Date(base + second++ * 1000).toISOString();
  const outbound: { messageId: string; person: number; next: number }[] = [];
  const statuses = ["Sent", "Delivered", "Read"] as const;
  return {
    seedEvent(person: number): { functionName: string; event: Record<string, unknown> } {
      eventNumber++;
      return {
        functionName: "advancedMessageReceived",
        event: receivedEvent({
          eventId: syntheticUuid(0xe1, eventNumber),
          messageId: syntheticUuid(0xa1, eventNumber),
          at: now(),
          ...syntheticPerson(person, 1),
        }),
      };
    },
    next(): { functionName: string; event: Record<string, unknown> } {
      eventNumber++;
      const ids = { eventId: syntheticUuid(0xe1, eventNumber), messageId: syntheticUuid(0xa1, eventNumber) };
      const roll = random.next();
      if (roll < 0.8) {
        const who = syntheticPerson(random.int(knownContacts), 1);
        // A quarter of known senders hide their number: BSUID only.
        const sender = random.next() < 0.25 ? { bsuid: who.bsuid } : who;
        return { functionName: "advancedMessageReceived", event: receivedEvent({ ...ids, ...sender, at: now() }) };
      }
      if (roll < 0.9) {
        const who = syntheticPerson(newPeople++, 2);
        return { functionName: "advancedMessageReceived", event: receivedEvent({ ...ids, ...who, at: now() }) };
      }
      // Statuses follow sends: a new outbound message gets Sent, an earlier one moves on to Delivered, then Read.
      let message = outbound.length > 0 && random.next() < 0.66 ? outbound[random.int(outbound.length)] : undefined;
      if (!message || message.next >= statuses.length) {
        message = { messageId: syntheticUuid(0xb1, eventNumber), person: random.int(knownContacts), next: 0 };
        outbound.push(message);
        if (outbound.length > 500) outbound.shift();
      }
      const status = statuses[message.next++]!;
      return {
        functionName: "deliveryStatusUpdated",
        event: statusEvent({
          eventId: ids.eventId,
          messageId: message.messageId,
          status,
          at: now(),
          bsuid: syntheticPerson(message.person, 1).bsuid,
        }),
      };
    },
  };
}

function mean(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : Number(((a + b) / 2).toFixed(3));
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2));
}

/** Keep-alive connections to the host; `node:http` costs this process less CPU than `fetch` (it shares the cores). */
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** Posts one event as Event Grid delivers it and resolves with the HTTP status. */
function post(hostUrl: string, functionName: string, event: unknown): Promise<number> {
  const body = JSON.stringify([event]);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${hostUrl}${WEBHOOK}${functionName}`,
      {
        method: "POST",
        agent,
        headers: {
          "aeg-event-type": "Notification",
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
        res.once("error", reject);
      },
    );
    req.once("error", reject);
    req.end(body);
  });
}

/**
 * Posts `next()` events from `concurrency` callers until `durationMs` pass. Returns each request's latency and the
 * number answered with anything but 202.
 */
async function drive(
  hostUrl: string,
  concurrency: number,
  durationMs: number,
  next: () => { functionName: string; event: unknown },
): Promise<{ latencies: number[]; failed: number; seconds: number }> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const { functionName, event } = next();
        const sent = performance.now();
        const status = await post(hostUrl, functionName, event);
        latencies.push(performance.now() - sent);
        if (status !== 202) failed++;
      }
    }),
  );
  return { latencies, failed, seconds: (performance.now() - started) / 1000 };
}

interface HostStats {
  storageRequests: number;
  maxRssKb: number;
  rssKb: number;
  cpuMs: number;
}

function askHost<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type?: string }) => {
      if (message.type === type) {
        child.off("message", listener);
        resolve(message as T);
      }
    };
    child.on("message", listener);
    child.send({ type });
  });
}

/**
 * Drives the function app over real HTTP, as Event Grid does (`POST /runtime/webhooks/eventgrid?functionName=…` with
 * `aeg-event-type: Notification`, one event per request as with batching off), through the local host running in a
 * child process against `connectionString`. For each concurrency level it measures the raw storage ceiling at the
 * same concurrency right before and right after running the mix for `secondsPerLevel`.
 */
export async function measureThroughput(options: {
  appRoot: string;
  connectionString: string;
  concurrencies: number[];
  secondsPerLevel: number;
  knownContacts?: number;
  /** Azurite's process, to account its CPU (Linux). */
  azuritePid?: number;
}): Promise<ThroughputResult> {
  const knownContacts = options.knownContacts ?? 1000;
  const child = fork(join(options.appRoot, "dist", "bench", "benchHost.js"), [], {
    cwd: options.appRoot,
    env: {
      ...process.env,
      TABLE_STORAGE_CONNECTION_STRING: options.connectionString,
      TABLE_NAME_PREFIX: "bench",
      ACS_CONNECTION_STRING: "",
      ACS_ENDPOINT: "",
      ROUTES_FILE: "",
    },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  try {
    const [ready] = (await Promise.race([
      once(child, "message"),
      once(child, "exit").then(() => {
        throw new Error("the benchmark host exited before it was ready");
      }),
    ])) as [{ type: string; url: string }];
    const hostUrl = ready.url;
    const atReady = await askHost<HostStats>(child, "stats");
    const workload = createWorkload(knownContacts, 7);

    // Warm-up: every known contact writes once (so the host's cache and the JIT are in their steady state).
    let seeded = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (seeded < knownContacts) {
          const { functionName, event } = workload.seedEvent(seeded++);
          const status = await post(hostUrl, functionName, event);
          if (status !== 202) throw new Error(`warm-up event answered ${status}`);
        }
      }),
    );
    const afterWarmUp = await askHost<HostStats>(child, "stats");

    const levels: ThroughputLevel[] = [];
    for (const concurrency of options.concurrencies) {
      // The ceiling is taken right before and right after the level and averaged: Azurite's rate drifts within a run.
      const ceilingMs = Math.min(3000, options.secondsPerLevel * 1000);
      const ceilingBefore = await measureStorageCeiling(
        options.connectionString,
        concurrency,
        ceilingMs,
        options.azuritePid,
      );
      // A real event's body (same size, same JSON to parse) to the function that does nothing.
      const sample = workload.next().event;
      const delivery = await drive(hostUrl, concurrency, ceilingMs, () => ({
        functionName: DELIVERY_ONLY_FUNCTION,
        event: sample,
      }));
      if (delivery.failed > 0) throw new Error(`${delivery.failed} deliveries to the empty function failed`);
      const deliveriesPerSecond = Math.round(delivery.latencies.length / delivery.seconds);
      const before = await askHost<HostStats>(child, "stats");
      const meter = cpuMeter(options.azuritePid);
      const { latencies, failed, seconds } = await drive(hostUrl, concurrency, options.secondsPerLevel * 1000, () =>
        workload.next(),
      );
      const used = meter();
      const after = await askHost<HostStats>(child, "stats");
      const ceilingAfter = await measureStorageCeiling(
        options.connectionString,
        concurrency,
        ceilingMs,
        options.azuritePid,
      );
      const ceiling: StorageCeiling = {
        concurrency,
        pointReadsPerSecond: Math.round((ceilingBefore.pointReadsPerSecond + ceilingAfter.pointReadsPerSecond) / 2),
        upsertsPerSecond: Math.round((ceilingBefore.upsertsPerSecond + ceilingAfter.upsertsPerSecond) / 2),
        cpuMsPerUpsert: {
          client: mean(ceilingBefore.cpuMsPerUpsert.client, ceilingAfter.cpuMsPerUpsert.client)!,
          azurite: mean(ceilingBefore.cpuMsPerUpsert.azurite, ceilingAfter.cpuMsPerUpsert.azurite),
        },
      };
      latencies.sort((a, b) => a - b);
      const events = latencies.length;
      const storageRequestsPerEvent = Number(((after.storageRequests - before.storageRequests) / events).toFixed(2));
      const eventsPerSecond = Math.round(events / seconds);
      const hostCpuMsPerEvent = Number(((after.cpuMs - before.cpuMs) / events).toFixed(3));
      const driverCpuMsPerEvent = Number((used.selfMs / events).toFixed(3));
      const azuriteCpuMsPerEvent =
        used.azuriteMs === undefined ? undefined : Number((used.azuriteMs / events).toFixed(3));
      const ceilingEventsPerSecond = Math.round(ceiling.upsertsPerSecond / storageRequestsPerEvent);
      const floorEventsPerSecond = Math.round(
        1 / (1 / deliveriesPerSecond + storageRequestsPerEvent / ceiling.upsertsPerSecond),
      );
      levels.push({
        concurrency,
        events,
        failed,
        eventsPerSecond,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        storageRequestsPerEvent,
        hostCpuMsPerEvent,
        driverCpuMsPerEvent,
        azuriteCpuMsPerEvent,
        cpuBoundEventsPerSecond:
          azuriteCpuMsPerEvent === undefined
            ? undefined
            : Math.round((cpus().length * 1000) / (hostCpuMsPerEvent + driverCpuMsPerEvent + azuriteCpuMsPerEvent)),
        ceiling,
        ceilingSamples: { before: ceilingBefore, after: ceilingAfter },
        ceilingEventsPerSecond,
        ratio: Number((eventsPerSecond / ceilingEventsPerSecond).toFixed(2)),
        deliveriesPerSecond,
        floorEventsPerSecond,
        ratioToFloor: Number((eventsPerSecond / floorEventsPerSecond).toFixed(2)),
      });
    }
    const final = await askHost<HostStats>(child, "stats");
    return {
      mix: "80% messages from known contacts (a quarter BSUID-only), 10% first messages (phone + BSUID), 10% delivery statuses",
      knownContacts,
      secondsPerLevel: options.secondsPerLevel,
      levels,
      host: {
        rssAtReadyMb: Number((atReady.rssKb / 1024).toFixed(1)),
        rssAfterWarmUpMb: Number((afterWarmUp.rssKb / 1024).toFixed(1)),
        peakRssMb: Number((final.maxRssKb / 1024).toFixed(1)),
      },
    };
  } finally {
    if (child.exitCode === null) {
      child.send({ type: "stop" });
      const exited = once(child, "exit");
      const timeout = new Promise((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([exited, timeout]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }
}
