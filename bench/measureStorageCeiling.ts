import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { TableClient } from "@azure/data-tables";
import { cpuMeter } from "./processCpu";

/** Raw Table Storage operations per second at one concurrency, against a scratch table. */
export interface StorageCeiling {
  concurrency: number;
  pointReadsPerSecond: number;
  upsertsPerSecond: number;
  /** CPU time per upsert: this (SDK client) process and Azurite; Azurite's is absent off Linux. */
  cpuMsPerUpsert: { client: number; azurite: number | undefined };
}

/** Runs `operation` from `concurrency` workers for `durationMs` and returns completed operations per second. */
async function rate(concurrency: number, durationMs: number, operation: (i: number) => Promise<unknown>) {
  let next = 0;
  let done = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await operation(next++);
        done++;
      }
    }),
  );
  return Math.round(done / ((performance.now() - started) / 1000));
}

/**
 * The storage ceiling the end-to-end throughput is compared with: point reads and upserts per second that this
 * process gets from the same Azurite at the same concurrency, with the same SDK and no app logic in between.
 */
export async function measureStorageCeiling(
  connectionString: string,
  concurrency: number,
  durationMs: number,
  azuritePid?: number,
): Promise<StorageCeiling> {
  const table = TableClient.fromConnectionString(connectionString, `ceiling${randomBytes(4).toString("hex")}`, {
    allowInsecureConnection: true,
  });
  await table.createTable();
  const rows = 1000;
  const entity = (i: number) => ({
    partitionKey: `p${i % rows}`,
    rowKey: "row",
    contactId: "c_00000000000000000000000000000000",
    lastInbound: new Date(1_700_000_000_000 + i).toISOString(),
  });
  for (let i = 0; i < rows; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => table.upsertEntity(entity(i + j), "Replace")));
  }
  // A short warm-up so connections are open and the JIT has settled before either figure is taken.
  await rate(concurrency, Math.min(500, durationMs / 4), (i) => table.getEntity(`p${i % rows}`, "row"));
  const meter = cpuMeter(azuritePid);
  const upsertsPerSecond = await rate(concurrency, durationMs, (i) => table.upsertEntity(entity(i), "Replace"));
  const cpu = meter();
  const upserts = (upsertsPerSecond * durationMs) / 1000;
  const pointReadsPerSecond = await rate(concurrency, durationMs, (i) => table.getEntity(`p${i % rows}`, "row"));
  await table.deleteTable();
  return {
    concurrency,
    pointReadsPerSecond,
    upsertsPerSecond,
    cpuMsPerUpsert: {
      client: Number((cpu.selfMs / upserts).toFixed(3)),
      azurite: cpu.azuriteMs === undefined ? undefined : Number((cpu.azuriteMs / upserts).toFixed(3)),
    },
  };
}
