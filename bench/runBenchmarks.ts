/**
 * `npm run bench`: every performance figure of the README, from this project's own code, in one run.
 *
 * 1. Storage round trips per event (a pipeline policy on the table clients), warm and cold, beside the floor.
 * 2. End-to-end throughput and latency through the local host against Azurite at concurrency 1, 8 and 32, with the
 *    raw Azurite ceiling measured in the same run and the ratio of the two.
 * 3. CPU cost of parse + validate + route per event on one core.
 * 4. Cold start of the built function entry and the deployment package size.
 * 5. Peak RSS of the host process during the throughput run.
 *
 * Starts its own in-memory Azurite on free ports, prints a table and writes `bench/results/latest.json` with the
 * machine it ran on. `BENCH_SECONDS` sets the seconds per throughput level (default 8).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { arch, cpus, platform, release, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { startLocalAzurite } from "../local/stack/startLocalAzurite";
import type { CpuCostResult } from "./measureCpuCost";
import { listPackageFiles, type PackageFile } from "./listPackageFiles";
import { measureColdStart, type ColdStartResult } from "./measureColdStart";
import { measureRoundTrips, type RoundTripFigure } from "./measureRoundTrips";
import { measureThroughput, type ThroughputResult } from "./measureThroughput";
import { findAzuritePid } from "./processCpu";

const APP_ROOT = resolve(__dirname, "..", "..");
const MB = 1024 * 1024;

interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  node: string;
  os: string;
  azurite: string;
}

interface PackageSize {
  files: PackageFile[];
  totalBytes: number;
  totalMb: number;
}

interface Results {
  generatedAt: string;
  command: string;
  machine: Machine;
  roundTrips: RoundTripFigure[];
  throughput: ThroughputResult;
  cpu: CpuCostResult & { pinnedToOneCore: boolean };
  coldStart: ColdStartResult;
  packageSize: PackageSize;
  targets: { name: string; target: string; measured: string; met: boolean }[];
}

function machine(): Machine {
  const azurite = JSON.parse(readFileSync(join(APP_ROOT, "node_modules", "azurite", "package.json"), "utf8")) as {
    version: string;
  };
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    ramGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    os: `${platform()} ${release()} ${arch()}`,
    azurite: azurite.version,
  };
}

/** The files `.funcignore` lets into the deployment package, with their sizes. */
function packageSize(): PackageSize {
  const files = listPackageFiles(APP_ROOT);
  const totalBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  return { files, totalBytes, totalMb: Number((totalBytes / MB).toFixed(2)) };
}

/** Event Grid filters the app evaluates: the subscriptions' and the routes' (routes.json and the sample routes). */
function cpuBenchmarkScript(): string {
  const dist = join(APP_ROOT, "dist");
  return `
    const { join } = require("node:path");
    const { loadSubscriptions } = require(${JSON.stringify(join(dist, "local", "eventGrid", "loadSubscriptions.js"))});
    const { loadRoutesFile } = require(${JSON.stringify(join(dist, "lib", "app", "loadRoutes.js"))});
    const { measureCpuCost } = require(${JSON.stringify(join(dist, "bench", "measureCpuCost.js"))});
    const root = ${JSON.stringify(APP_ROOT)};
    const filters = [
      ...loadSubscriptions(join(root, "infra", "eventSubscriptions.json")).map((s) => s.filter),
      ...loadRoutesFile(join(root, "routes.json")).routes.map((r) => r.filter),
      ...loadRoutesFile(join(root, "samples", "routes", "routes.example.json")).routes.map((r) => r.filter),
    ];
    process.stdout.write(JSON.stringify(measureCpuCost(root, filters)));
  `;
}

/** Runs the CPU benchmark in a fresh process pinned to one core (`taskset -c 0`) when taskset exists. */
function measureCpuOnOneCore(): CpuCostResult & { pinnedToOneCore: boolean } {
  const script = cpuBenchmarkScript();
  const pinned = platform() === "linux" && spawnSync("taskset", ["--version"]).status === 0;
  const output = pinned
    ? execFileSync("taskset", ["-c", "0", process.execPath, "-e", script], { cwd: APP_ROOT })
    : execFileSync(process.execPath, ["-e", script], { cwd: APP_ROOT });
  return { ...(JSON.parse(output.toString()) as CpuCostResult), pinnedToOneCore: pinned };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => pad(cell, widths[i]!)).join(" | ")} |`;
  return [line(headers), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

function targets(results: Omit<Results, "targets">): Results["targets"] {
  const requests = (scenario: string) =>
    results.roundTrips.find((figure) => figure.scenario === scenario && figure.target !== undefined)?.requests ?? NaN;
  const atMost = (name: string, limit: number, measured: number, unit = "") => ({
    name,
    target: `≤ ${limit}${unit}`,
    measured: `${measured}${unit}`,
    met: measured <= limit,
  });
  return [
    atMost("round trips, known contact", 2, requests("known contact")),
    atMost("round trips, new contact", 4, requests("new contact (phone + BSUID)")),
    atMost("round trips, status update", 2, requests("delivery status")),
    ...results.throughput.levels.map((level) => ({
      name: `throughput vs storage ceiling, concurrency ${level.concurrency}`,
      target: "≥ 70%",
      measured: `${Math.round(level.ratio * 100)}%`,
      met: level.ratio >= 0.7,
    })),
    {
      name: "CPU, parse + validate + route",
      target: "≥ 20,000 events/s",
      measured: `${results.cpu.eventsPerSecond} events/s`,
      met: results.cpu.eventsPerSecond >= 20_000,
    },
    atMost("cold start", 150, results.coldStart.medianMs, " ms"),
    atMost("deployment package", 5, results.packageSize.totalMb, " MB"),
  ];
}

function report(results: Results): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM, Node ${m.node}, ${m.os}, Azurite ${m.azurite} (in memory)`,
  );
  out.push("", "1. Storage round trips per event (counted by a pipeline policy on the table clients)");
  out.push(
    table(
      ["scenario", "cache", "requests", "by method", "queries", "floor", "target"],
      results.roundTrips.map((f) => [
        f.scenario,
        f.cache,
        String(f.requests),
        Object.entries(f.byMethod)
          .map(([method, n]) => `${method} ${n}`)
          .join(", "),
        String(f.queries),
        String(f.floor),
        f.target === undefined ? "" : `≤ ${f.target}`,
      ]),
    ),
  );
  out.push("", "   Floors:");
  for (const f of results.roundTrips) out.push(`   - ${f.scenario} (${f.cache}): ${f.explanation}`);
  const t = results.throughput;
  out.push(
    "",
    `2. End-to-end through the local host (HTTP, one event per request) against Azurite; ${t.secondsPerLevel} s per level`,
    `   Mix: ${t.mix}; ${t.knownContacts} known contacts.`,
  );
  out.push(
    table(
      [
        "concurrency",
        "events/s",
        "p50 ms",
        "p99 ms",
        "failed",
        "storage req/event",
        "CPU ms/event host + driver + Azurite",
        "CPU-bound events/s",
        "Azurite reads/s",
        "Azurite upserts/s",
        "ceiling events/s",
        "ratio",
        "empty deliveries/s",
        "floor events/s",
        "vs floor",
      ],
      t.levels.map((l) => [
        String(l.concurrency),
        String(l.eventsPerSecond),
        String(l.p50Ms),
        String(l.p99Ms),
        String(l.failed),
        String(l.storageRequestsPerEvent),
        `${l.hostCpuMsPerEvent} + ${l.driverCpuMsPerEvent} + ${l.azuriteCpuMsPerEvent ?? "?"}`,
        String(l.cpuBoundEventsPerSecond ?? "?"),
        String(l.ceiling.pointReadsPerSecond),
        String(l.ceiling.upsertsPerSecond),
        String(l.ceilingEventsPerSecond),
        `${Math.round(l.ratio * 100)}%`,
        String(l.deliveriesPerSecond),
        String(l.floorEventsPerSecond),
        `${Math.round(l.ratioToFloor * 100)}%`,
      ]),
    ),
  );
  out.push(
    "   CPU-bound events/s = cores × 1000 ÷ (CPU ms per event of the host, this load generator and Azurite together).",
    "   Empty deliveries/s: the same requests to a function that does nothing (the HTTP hop and the host's work, which " +
      "the storage ceiling leaves out); floor events/s = 1 ÷ (1 ÷ empty deliveries/s + storage req/event ÷ upserts/s).",
    `   Raw upsert CPU (mean of the levels): ${t.levels
      .map(
        (l) =>
          `c${l.concurrency}: client ${l.ceiling.cpuMsPerUpsert.client} + Azurite ${l.ceiling.cpuMsPerUpsert.azurite ?? "?"} ms`,
      )
      .join("; ")}.`,
  );
  out.push(
    "   Azurite reads/s and upserts/s: raw point operations from this process at the same concurrency against a " +
      "scratch table (mean of before and after the level); ceiling events/s = upserts/s ÷ storage requests per event.",
  );
  out.push(
    "",
    `3. CPU, parse + validate + route: ${results.cpu.eventsPerSecond} events/s ` +
      `(${results.cpu.microsecondsPerEvent} µs/event, ${results.cpu.filtersPerEvent} filters per event, ` +
      `${results.cpu.pinnedToOneCore ? "pinned to one core with taskset" : "one thread, not pinned"})`,
    `4. Cold start (load dist/main.js in a fresh Node process, ${results.coldStart.runs} runs): median ` +
      `${results.coldStart.medianMs} ms, max ${results.coldStart.maxMs} ms; first use of a deferred bundle adds ` +
      Object.entries(results.coldStart.firstUseMedianMs)
        .map(([name, ms]) => `${ms} ms (${name})`)
        .join(", ") +
      `; package ${results.packageSize.totalMb} MB (` +
      results.packageSize.files.map((f) => `${f.path} ${(f.bytes / 1024).toFixed(1)} KB`).join(", ") +
      ")",
    `5. Host memory (its own process): ${t.host.rssAtReadyMb} MB RSS when ready, ${t.host.rssAfterWarmUpMb} MB after ` +
      `warm-up, peak ${t.host.peakRssMb} MB during the throughput run`,
  );
  out.push("", "Targets");
  out.push(
    table(
      ["figure", "target", "measured", "met"],
      results.targets.map((x) => [x.name, x.target, x.measured, x.met ? "yes" : "NO"]),
    ),
  );
  return out.join("\n");
}

async function main(): Promise<void> {
  const secondsPerLevel = Number(process.env.BENCH_SECONDS ?? 8);
  if (!(secondsPerLevel > 0)) throw new Error("BENCH_SECONDS must be a positive number");
  const log = (line: string) => process.stderr.write(`${line}\n`);

  log("bench: CPU cost on one core ...");
  const cpu = measureCpuOnOneCore();
  log("bench: cold start ...");
  const coldStart = measureColdStart(APP_ROOT);
  const size = packageSize();

  log("bench: starting an in-memory Azurite on free ports ...");
  const azurite = await startLocalAzurite({
    appRoot: APP_ROOT,
    inMemory: true,
    ports: { blob: 0, queue: 0, table: 0 },
    reuseRunning: false,
  });
  let roundTrips: RoundTripFigure[];
  let throughput: ThroughputResult;
  try {
    log("bench: storage round trips per event ...");
    roundTrips = await measureRoundTrips(azurite.connectionString);
    log(`bench: end-to-end throughput (${secondsPerLevel} s per level) ...`);
    throughput = await measureThroughput({
      appRoot: APP_ROOT,
      connectionString: azurite.connectionString,
      concurrencies: [1, 8, 32],
      secondsPerLevel,
      azuritePid: findAzuritePid(Number(new URL(azurite.tableEndpoint).port)),
    });
  } finally {
    await azurite.stop();
  }

  const partial = {
    generatedAt: new Date().toISOString(),
    command: "npm run bench",
    machine: machine(),
    roundTrips,
    throughput,
    cpu,
    coldStart,
    packageSize: size,
  };
  const results: Results = { ...partial, targets: targets(partial) };
  process.stdout.write(`${report(results)}\n`);
  const dir = join(APP_ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\nWrote bench/results/latest.json\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
