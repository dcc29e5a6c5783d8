import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseAdvancedMessageEvent } from "../lib/adapters/acs/events/parseAdvancedMessageEvent";
import { evaluateEventGridFilter, type EventGridFilter } from "../lib/eventGridFilter/evaluateEventGridFilter";
import { parseAdvancedMessageSubject } from "../lib/adapters/acs/events/parseAdvancedMessageSubject";

/** CPU cost of the per-event work that touches no I/O: parse + validate + subject check + filter evaluation. */
export interface CpuCostResult {
  events: number;
  filtersPerEvent: number;
  eventsPerSecond: number;
  microsecondsPerEvent: number;
}

/**
 * Runs parse + validate + route over the fixture corpus on the calling thread (one core) and reports events/s.
 * The raw events are JSON strings, as the host receives them, so JSON parsing is part of the cost.
 */
export function measureCpuCost(appRoot: string, filters: EventGridFilter[], iterations = 200_000): CpuCostResult {
  const dir = join(appRoot, "test", "fixtures", "events", "acs-events");
  const corpus = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      const parsed = JSON.parse(readFileSync(join(dir, name), "utf8")) as unknown;
      return JSON.stringify(Array.isArray(parsed) ? parsed[0] : parsed);
    });

  let matched = 0;
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      const raw = corpus[i % corpus.length]!;
      const event = JSON.parse(raw) as Record<string, unknown>;
      const parsed = parseAdvancedMessageEvent(event);
      if (!parsed.ok) continue;
      parseAdvancedMessageSubject(event.subject);
      for (const filter of filters) if (evaluateEventGridFilter(filter, event)) matched++;
    }
  };
  run(Math.min(20_000, iterations)); // warm-up: let the JIT settle before measuring
  const started = performance.now();
  run(iterations);
  const seconds = (performance.now() - started) / 1000;
  if (matched === 0) throw new Error("no filter matched any event: the benchmark is not measuring routing");
  return {
    events: iterations,
    filtersPerEvent: filters.length,
    eventsPerSecond: Math.round(iterations / seconds),
    microsecondsPerEvent: Number(((seconds * 1e6) / iterations).toFixed(2)),
  };
}
