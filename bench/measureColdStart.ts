import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Cold-start figures: loading the built function entries in a fresh Node process. */
export interface ColdStartResult {
  runs: number;
  medianMs: number;
  maxMs: number;
}

/**
 * Measures, in fresh Node processes, the time to load every built function entry the way the Functions worker does
 * (via `loadFunctionApp`), from the first line of the process to all functions registered.
 */
export function measureColdStart(appRoot: string, runs = 11): ColdStartResult {
  const loader = join(appRoot, "dist", "local", "host", "loadFunctionApp.js");
  const script = `
    const started = process.hrtime.bigint();
    const { loadFunctionApp } = require(${JSON.stringify(loader)});
    const registrations = loadFunctionApp(${JSON.stringify(appRoot)});
    if (registrations.length === 0) throw new Error("no functions registered");
    process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
  `;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    times.push(Number(execFileSync(process.execPath, ["-e", script], { cwd: appRoot }).toString()));
  }
  times.sort((a, b) => a - b);
  return {
    runs,
    medianMs: Number(times[Math.floor(runs / 2)]!.toFixed(1)),
    maxMs: Number(times[runs - 1]!.toFixed(1)),
  };
}

/** Total size in bytes of the files under `path`. */
export function directorySize(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((sum, name) => sum + directorySize(join(path, name)), 0);
}
