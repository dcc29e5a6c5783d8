/**
 * Deterministic synthetic ACS Advanced Messaging events (Event Grid schema), shared by the benchmarks and the
 * reliability suite. Identifiers are derived from numbers, so a run can be repeated exactly and every full identifier
 * it used is known (the privacy check looks for each one in the captured logs).
 */

/** The channel of the test fixtures and the local stack. */
export const SYNTHETIC_CHANNEL_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

const TOPIC =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/bench/providers/Microsoft.Communication/communicationServices/bench-acs";

export const RECEIVED_EVENT_TYPE = "Microsoft.Communication.AdvancedMessageReceived";
export const STATUS_EVENT_TYPE = "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated";

/** A person as WhatsApp identifies them to one business: a BSUID and a phone number. */
export interface SyntheticPerson {
  /** `US.` + 20 digits. */
  bsuid: string;
  /** E.164 digits without `+`, as ACS writes them (`1425…`). */
  phoneDigits: string;
}

/** North American area codes, one per series, so persons of different series never share a phone. */
const AREA_CODES = ["425", "206", "360", "509", "253", "564", "971", "503", "541", "458"];

/**
 * Person number `n` (0 ≤ n < 10^7) of a series (0-9): distinct BSUID and phone for every pair, the same ones on every
 * run.
 */
export function syntheticPerson(n: number, series = 0): SyntheticPerson {
  if (!Number.isInteger(n) || n < 0 || n >= 10_000_000) throw new RangeError(`person number out of range: ${n}`);
  const area = AREA_CODES[series];
  if (area === undefined) throw new RangeError(`series out of range: ${series}`);
  const serial = String(n).padStart(7, "0");
  return { bsuid: `US.71${String(series).padStart(11, "0")}${serial}`, phoneDigits: `1${area}${serial}` };
}

/** A deterministic UUID-shaped ID from a namespace (one hex digit) and a number. */
export function syntheticUuid(namespace: number, n: number): string {
  const hex = n.toString(16).padStart(12, "0").slice(-12);
  return `${namespace.toString(16).padStart(8, "0")}-0000-4000-8000-${hex}`;
}

/** What an inbound event carries: a phone, a BSUID, or both (ACS puts `""` in `from` for a hidden number). */
export interface ReceivedSpec {
  eventId: string;
  messageId: string;
  at: string;
  bsuid?: string | undefined;
  phoneDigits?: string | undefined;
  content?: string;
  channelId?: string;
}

/** An `AdvancedMessageReceived` event as ACS publishes it. */
export function receivedEvent(spec: ReceivedSpec): Record<string, unknown> {
  const channel = spec.channelId ?? SYNTHETIC_CHANNEL_ID;
  const sender = spec.phoneDigits ?? spec.bsuid ?? "";
  return {
    id: spec.eventId,
    topic: TOPIC,
    subject: `advancedMessage/sender/${sender}/recipient/${channel}`,
    data: {
      channelType: "whatsapp",
      to: channel,
      receivedTimestamp: spec.at,
      messageId: spec.messageId,
      messageType: "text",
      content: spec.content ?? "Hello",
      from: spec.phoneDigits ?? "",
      ...(spec.bsuid ? { fromBSUID: spec.bsuid } : {}),
    },
    eventType: RECEIVED_EVENT_TYPE,
    dataVersion: "1.0",
    metadataVersion: "1",
    eventTime: spec.at,
  };
}

/** What a delivery status event carries. */
export interface StatusSpec {
  eventId: string;
  messageId: string;
  status: "Sent" | "Delivered" | "Read" | "Failed";
  at: string;
  bsuid?: string | undefined;
  phoneDigits?: string | undefined;
  channelId?: string;
}

/** An `AdvancedMessageDeliveryStatusUpdated` event as ACS publishes it. */
export function statusEvent(spec: StatusSpec): Record<string, unknown> {
  const channel = spec.channelId ?? SYNTHETIC_CHANNEL_ID;
  return {
    id: spec.eventId,
    topic: TOPIC,
    subject: `advancedMessage/${spec.messageId}/status/${spec.status}`,
    data: {
      messageId: spec.messageId,
      status: spec.status,
      channelType: "whatsapp",
      from: channel,
      to: spec.phoneDigits ?? "",
      ...(spec.bsuid ? { toBSUID: spec.bsuid } : {}),
      receivedTimestamp: spec.at,
      ...(spec.status === "Failed"
        ? { error: { channelCode: "131026", channelMessage: "Message Undeliverable." } }
        : {}),
    },
    eventType: STATUS_EVENT_TYPE,
    dataVersion: "1.0",
    metadataVersion: "1",
    eventTime: spec.at,
  };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence on every machine. */
export function createRandom(seed: number): {
  next(): number;
  int(max: number): number;
  pick<T>(list: readonly T[]): T;
} {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (list) => list[Math.floor(next() * list.length)]!,
  };
}

/** Fisher–Yates shuffle with a seeded PRNG (returns a new array). */
export function shuffled<T>(list: readonly T[], seed: number): T[] {
  const random = createRandom(seed);
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
