/**
 * The simulator's time: real time plus an offset that can be moved forward ("31 days later") without waiting. Event
 * timestamps and the 30-day phone-visibility rule read it.
 *
 * The app itself runs on real time: its 24-hour customer service window compares the real time of a send with the
 * stored last inbound time, which comes from the events' `receivedTimestamp`. Moving this clock therefore also moves
 * what the app stores; keep it near real time unless that is what is being shown.
 */
export interface SimulatorClock {
  now(): Date;
  /** How far the clock is ahead of real time (ms; negative when behind). */
  readonly offsetMs: number;
  /** Moves the clock forward by `ms` (backward when negative) and returns the new time. */
  advance(ms: number): Date;
  /** Sets the clock to `at` (it keeps running from there) and returns it. */
  set(at: Date): Date;
  /** Back to real time. */
  reset(): Date;
}

/** A clock `offsetMs` ahead of `realNow` (`Date.now` by default). */
export function createSimulatorClock(options: { realNow?: () => number; offsetMs?: number } = {}): SimulatorClock {
  const realNow = options.realNow ?? Date.now;
  let offset = options.offsetMs ?? 0;
  const now = () => new Date(realNow() + offset);
  return {
    now,
    get offsetMs() {
      return offset;
    },
    advance(ms) {
      if (!Number.isFinite(ms)) throw new RangeError("advance needs a finite number of milliseconds");
      offset += ms;
      return now();
    },
    set(at) {
      if (Number.isNaN(at.getTime())) throw new RangeError("set needs a valid date");
      offset = at.getTime() - realNow();
      return now();
    },
    reset() {
      offset = 0;
      return now();
    },
  };
}

/** Parses a duration such as `31d`, `12h`, `90m`, `45s` or plain milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(d|h|m|s|ms)?\s*$/i.exec(text);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = (match[2] ?? "ms").toLowerCase();
  const factor = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[unit] ?? 1;
  return amount * factor;
}
