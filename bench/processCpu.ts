import { readFileSync, readdirSync } from "node:fs";

/** Linux clock ticks per second (`getconf CLK_TCK`): 100 on every mainstream kernel build. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system, ms) a process has used so far, from `/proc/<pid>/stat`; undefined off Linux. */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after the last ")"; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The PID of the Azurite process serving tables on `tablePort`, found in `/proc`; undefined off Linux. */
export function findAzuritePid(tablePort: number): number | undefined {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let args: string[];
      try {
        args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      } catch {
        continue;
      }
      const at = args.indexOf("--tablePort");
      if (at >= 0 && args[at + 1] === String(tablePort) && args.some((arg) => arg.includes("azurite"))) {
        return Number(entry);
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** CPU used by this process and by Azurite between `start()` and `stop()`, in ms. */
export function cpuMeter(azuritePid: number | undefined): () => { selfMs: number; azuriteMs: number | undefined } {
  const self = process.cpuUsage();
  const azurite = processCpuMs(azuritePid);
  return () => {
    const used = process.cpuUsage(self);
    const azuriteNow = processCpuMs(azuritePid);
    return {
      selfMs: (used.user + used.system) / 1000,
      azuriteMs: azurite === undefined || azuriteNow === undefined ? undefined : azuriteNow - azurite,
    };
  };
}
