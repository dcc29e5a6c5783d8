import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { DEFERRED_BUNDLES } from "../scripts/bundleApp";

/** Cold-start figures: loading the built function entries in a fresh Node process. */
export interface ColdStartResult {
  runs: number;
  medianMs: number;
  maxMs: number;
  /**
   * Median time, in the same processes right after the entry, to load each bundle the app defers to first use
   * (`dist/vendor/…`): what the first event pays once, e.g. `@azure/identity` when storage is reached with a managed
   * identity.
   */
  firstUseMedianMs: Record<string, number>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(1));
}

/**
 * Measures, in fresh Node processes, the time to load every built function entry the way the Functions worker does
 * (via `loadFunctionApp`), from the first line of the process to all functions registered; then the time to load each
 * deferred bundle on top.
 */
export function measureColdStart(appRoot: string, runs = 11): ColdStartResult {
  const loader = join(appRoot, "dist", "local", "host", "loadFunctionApp.js");
  const deferred = Object.entries(DEFERRED_BUNDLES).map(([name, file]) => ({
    name,
    path: join(appRoot, "dist", "vendor", file),
  }));
  const script = `
    const started = process.hrtime.bigint();
    const { loadFunctionApp } = require(${JSON.stringify(loader)});
    const registrations = loadFunctionApp(${JSON.stringify(appRoot)});
    if (registrations.length === 0) throw new Error("no functions registered");
    const times = { entry: Number(process.hrtime.bigint() - started) / 1e6 };
    for (const { name, path } of ${JSON.stringify(deferred)}) {
      const before = process.hrtime.bigint();
      require(path);
      times[name] = Number(process.hrtime.bigint() - before) / 1e6;
    }
    process.stdout.write(JSON.stringify(times));
  `;
  const samples: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    samples.push(JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: appRoot }).toString()) as never);
  }
  const entry = samples.map((sample) => sample.entry!);
  return {
    runs,
    medianMs: median(entry),
    maxMs: Number(Math.max(...entry).toFixed(1)),
    firstUseMedianMs: Object.fromEntries(deferred.map(({ name }) => [name, median(samples.map((s) => s[name]!))])),
  };
}
