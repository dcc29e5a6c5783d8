import { createHash, randomUUID } from "node:crypto";
import { ConcurrencyError, RuleRefusalError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import type { SendRecord, SendRecordStore } from "../../domain/messaging/SendRecordStore";
import type { SendOutcome } from "../../domain/messaging/SendRecordStore";

/** How long an attempt with an unknown outcome keeps its repeatability headers (ACS's window is 5 minutes). */
export const RENEW_ATTEMPT_AFTER_MS = 4 * 60 * 1000;

/** The repeatability headers every call to ACS for one attempt of a send carries. */
export interface Repeatability {
  repeatabilityRequestId: string;
  repeatabilityFirstSent: Date;
}

/** An earlier send's stored answer, given again for a repeated idempotency key. */
export interface ReplayedSend extends SendOutcome {
  replayed: true;
  reason: string;
}

/** The hash of a request that an idempotency key is bound to: the same key for another request is refused. */
export function fingerprintOf(request: { recipient: unknown; channelId: string; message: unknown }): string {
  const { recipient, channelId, message } = request;
  return createHash("sha256").update(JSON.stringify({ recipient, channelId, message })).digest("hex");
}

/** The stored answer for a repeated key; refuses a key reused for another request; undefined when not yet sent. */
export function replayOf(record: SendRecord, fingerprint: string): ReplayedSend | undefined {
  if (record.fingerprint !== fingerprint) {
    throw new RuleRefusalError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used for a different request; use a new key for a new message.",
    );
  }
  if (!record.outcome) return undefined;
  return { ...record.outcome, replayed: true, reason: "replay of an earlier send with this key" };
}

/**
 * The answer of an accepted send with this key, with the time its first attempt began, or undefined when none was
 * accepted yet. Read only: nothing is started.
 */
export async function findEarlierAnswer(
  sends: SendRecordStore,
  idempotencyKey: string,
  fingerprint: string,
): Promise<{ replay: ReplayedSend; firstSent: Date } | undefined> {
  const earlier = await sends.get(idempotencyKey);
  const replay = earlier ? replayOf(earlier, fingerprint) : undefined;
  return earlier && replay ? { replay, firstSent: earlier.repeatabilityFirstSent } : undefined;
}

/**
 * Begins (or rejoins) the attempt of a send: its repeatability headers, or the earlier answer when a concurrent or
 * earlier caller's send was accepted meanwhile. Without an idempotency key every call is its own attempt.
 */
export async function beginAttempt(
  deps: { sends: SendRecordStore; logger: Logger },
  idempotencyKey: string | undefined,
  fingerprint: string,
  now: Date,
): Promise<Repeatability | ReplayedSend> {
  if (!idempotencyKey) return { repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: now };
  let record: SendRecord | undefined = await deps.sends.begin(idempotencyKey, fingerprint, now);
  const replay = replayOf(record, fingerprint);
  if (replay) return replay;
  if (now.getTime() - record.repeatabilityFirstSent.getTime() > RENEW_ATTEMPT_AFTER_MS) {
    // An earlier attempt's outcome is unknown (ACS failed, timed out, or we crashed before storing its answer) and
    // its Repeatability-First-Sent is about to leave ACS's 5-minute window, after which ACS answers 412 to every
    // repeat. Start a fresh attempt rather than fail forever: at-least-once beats a reply that is never sent.
    record = await deps.sends.renew(idempotencyKey, record, now);
    if (!record) throw new ConcurrencyError("Another attempt of this send started at the same time; retry");
    deps.logger.warn("send attempt renewed after its outcome stayed unknown", { attempt: record.attempt });
  }
  return {
    repeatabilityRequestId: record.repeatabilityRequestId,
    repeatabilityFirstSent: record.repeatabilityFirstSent,
  };
}

/** A request ID derived from another one and a purpose: a UUID (version 4 layout), the same for the same input. */
export function derivedRequestId(requestId: string, purpose: string): string {
  const hex = createHash("sha256").update(`${requestId}|${purpose}`).digest("hex");
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
