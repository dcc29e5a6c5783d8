import { AsyncLocalStorage } from "node:async_hooks";

/**
 * The deadline of the invocation in progress (one event, one API request), carried through async calls so that every
 * outbound call made on its behalf stops when it passes, without the signal being handed through each port.
 */
const current = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` with a deadline `ms` from now: outbound calls made inside it (their pipelines read
 * {@link currentDeadline}) are aborted once it passes. A deadline already running stays in force when it is sooner.
 */
export function runWithDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const own = AbortSignal.timeout(ms);
  const outer = current.getStore();
  return current.run(outer ? AbortSignal.any([outer, own]) : own, work);
}

/** The deadline of the invocation in progress, if it runs under {@link runWithDeadline}. */
export function currentDeadline(): AbortSignal | undefined {
  return current.getStore();
}

/** The signal a call should honour: the caller's own and the invocation's deadline, whichever fires first. */
export function withDeadline(signal: AbortSignal | undefined): AbortSignal | undefined {
  const deadline = current.getStore();
  if (!deadline) return signal;
  return signal ? AbortSignal.any([signal, deadline]) : deadline;
}

/** True when the invocation's deadline has passed. */
export function isPastDeadline(): boolean {
  return current.getStore()?.aborted === true;
}

/**
 * Runs `work` with a deadline of its own, `ms` from now, in place of the invocation's: for what must still be done when
 * the invocation has run out of time, such as recording what happened.
 */
export function runWithOwnDeadline<T>(ms: number, work: () => Promise<T>): Promise<T> {
  return current.run(AbortSignal.timeout(ms), work);
}
