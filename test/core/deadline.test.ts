import { describe, expect, it } from "vitest";
import { currentDeadline, isPastDeadline, runWithDeadline, withDeadline } from "../../lib/core/deadline";

const waitForAbort = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

describe("runWithDeadline", () => {
  it("gives the work a signal that aborts once the deadline passes", async () => {
    await runWithDeadline(30, async () => {
      const signal = currentDeadline()!;
      expect(signal.aborted).toBe(false);
      await waitForAbort(signal);
      expect(isPastDeadline()).toBe(true);
    });
  });

  it("has no deadline outside it", () => {
    expect(currentDeadline()).toBeUndefined();
    expect(isPastDeadline()).toBe(false);
    const own = new AbortController().signal;
    expect(withDeadline(own)).toBe(own);
  });

  it("keeps an outer deadline that is sooner than an inner one", async () => {
    await runWithDeadline(30, () =>
      runWithDeadline(60_000, async () => {
        await waitForAbort(currentDeadline()!);
        expect(isPastDeadline()).toBe(true);
      }),
    );
  });

  it("aborts a call's own signal combined with the deadline when either fires", async () => {
    const caller = new AbortController();
    await runWithDeadline(60_000, async () => {
      const combined = withDeadline(caller.signal)!;
      expect(combined.aborted).toBe(false);
      caller.abort();
      expect(combined.aborted).toBe(true);
      expect(isPastDeadline()).toBe(false);
    });
  });
});
