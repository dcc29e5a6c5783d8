import {
  createRandom,
  receivedEvent,
  statusEvent,
  syntheticPerson,
  syntheticUuid,
} from "../../../bench/syntheticEvents";
import { registerIdentifiers } from "./privacy";

/** One generated bad input and what the app must do with it. */
export interface MalformedCase {
  category: string;
  /** The event as delivered: an object, or JSON text for broken JSON. */
  raw: unknown;
  /** Which function receives it. */
  target: "advancedMessageReceived" | "deliveryStatusUpdated";
  /**
   * `rejected`: acknowledged and recorded with its reason (it cannot be processed at all); `accepted`: processed, with
   * the oddity flagged as a warning on the message (the tolerance policy); `ignored`: acknowledged and logged (not this
   * function's).
   */
  expect: "rejected" | "accepted" | "ignored";
}

type Json = Record<string, unknown>;
type Mutation = { category: string; target?: MalformedCase["target"]; expect?: MalformedCase["expect"] } & (
  | { received: (event: Json, data: Json, i: number) => unknown }
  | { status: (event: Json, data: Json, i: number) => unknown }
);

const WRONG_VALUES: readonly unknown[] = [42, true, [], {}, -1.5, ["US.71000000000060000001"]];

const BAD_BSUIDS = [
  "us.13491208655302741918",
  "US.",
  "US",
  "USA.13491208655302741918",
  "U.13491208655302741918",
  "US.1349-1208",
  "US.1349 1208",
  " US.13491208655302741918",
  "US.13491208655302741918\n",
  "US.ENT.",
  "US.1' OR '1'='1",
  "US.<script>alert(1)</script>",
  "US.${jndi:ldap://x/a}",
  "US.../../etc/passwd",
  "US.\u0000123",
  "\uff35\uff33.13491208655302741918",
  "US.\uff11\uff12\uff13",
  "US.123\u202e456",
  `US.${"7".repeat(129)}`,
  `US.${"8".repeat(10_000)}`,
];

const BAD_PHONES = [
  "abc",
  "+",
  "0",
  "123",
  "1425555123456789012345",
  "1 425 555 1234",
  "14255551234; DROP TABLE contacts",
  "\u0661\u0664\u0662\u0665\u0665\u0665\u0661\u0662\u0663\u0664",
  "(425) 555-1234",
  "١٤٢٥",
  "9".repeat(1000),
  "14255551234\u0000",
];

// `a/b` and 201 characters are fine now: WhatsApp's own IDs are base64 (with `/`) and may be long.
const BAD_MESSAGE_IDS = ["x'--", "a#b", "a?b", "a\\b", " ", "\u0000", "é", "m".repeat(513)];
const BAD_CHANNELS = ["not-a-guid", "7c9e6679-7425-40de-944b-e07fc1f90ae7; DROP TABLE x", "{7c9e6679}", "12345"];
const BAD_TIMES = ["yesterday", "2026-13-45T99:99:99Z", "2026-11-20T09:00:00", "2026-11-20", "20261120T090000Z", "Z"];
const FOREIGN_TYPES = [
  "Microsoft.Storage.BlobCreated",
  "Microsoft.Communication.SMSReceived",
  "Microsoft.Communication.AdvancedMessageAnalysisCompleted",
];

const MUTATIONS: Mutation[] = [
  // Missing fields.
  ...["id", "eventType", "data"].map((field) => ({
    category: `missing ${field}`,
    received: (event: Json) => {
      delete event[field];
      return event;
    },
  })),
  {
    // Without receivedTimestamp the envelope's eventTime stands in; without both, the time of processing.
    category: "missing timestamps",
    expect: "accepted",
    received: (event, data) => {
      delete data.receivedTimestamp;
      delete event.eventTime;
      return event;
    },
  },
  ...["messageId", "to", "messageType", "channelType"].map((field) => ({
    category: `missing data.${field}`,
    expect: field === "to" ? ("rejected" as const) : ("accepted" as const),
    received: (event: Json, data: Json) => {
      delete data[field];
      return event;
    },
  })),
  {
    category: "missing sender",
    received: (event, data) => {
      delete data.from;
      delete data.fromBSUID;
      return event;
    },
  },
  ...["status", "messageId", "from"].map((field) => ({
    category: `missing status data.${field}`,
    expect: field === "from" ? ("rejected" as const) : ("accepted" as const),
    status: (event: Json, data: Json) => {
      delete data[field];
      return event;
    },
  })),
  // Wrongly typed fields.
  ...["id", "eventType", "data"].flatMap((field) =>
    WRONG_VALUES.map((value) => ({
      category: `wrong type ${field}`,
      received: (event: Json) => ({ ...event, [field]: value }),
    })),
  ),
  ...["messageId", "to", "from", "fromBSUID", "receivedTimestamp", "content", "messageType", "channelType"].flatMap(
    (field) =>
      WRONG_VALUES.map((value) => ({
        category: `wrong type data.${field}`,
        // Only the channel and a sender with no identifier left make a message impossible to process.
        expect: field === "to" || field === "fromBSUID" ? ("rejected" as const) : ("accepted" as const),
        received: (event: Json, data: Json) => {
          data[field] = value;
          if (field === "fromBSUID") data.from = "";
          return event;
        },
      })),
  ),
  ...["status", "toBSUID", "from"].flatMap((field) =>
    WRONG_VALUES.map((value) => ({
      category: `wrong type status data.${field}`,
      expect: field === "from" ? ("rejected" as const) : ("accepted" as const),
      status: (event: Json, data: Json) => {
        data[field] = value;
        return event;
      },
    })),
  ),
  // Invalid, oversized or injected identifiers.
  ...BAD_BSUIDS.map((bsuid) => ({
    category: "invalid BSUID",
    received: (event: Json, data: Json) => {
      data.from = "";
      data.fromBSUID = bsuid;
      return event;
    },
  })),
  ...BAD_BSUIDS.map((bsuid) => ({
    category: "invalid status BSUID",
    expect: "accepted" as const,
    status: (event: Json, data: Json) => {
      data.toBSUID = bsuid;
      return event;
    },
  })),
  ...BAD_PHONES.map((phone) => ({
    category: "invalid phone",
    received: (event: Json, data: Json) => {
      data.from = phone;
      delete data.fromBSUID;
      return event;
    },
  })),
  ...BAD_PHONES.map((phone) => ({
    category: "invalid status phone",
    expect: "accepted" as const,
    status: (event: Json, data: Json) => {
      data.to = phone;
      delete data.toBSUID;
      return event;
    },
  })),
  ...BAD_MESSAGE_IDS.map((messageId) => ({
    category: "invalid message ID",
    expect: "accepted" as const,
    received: (event: Json, data: Json) => {
      data.messageId = messageId;
      return event;
    },
  })),
  ...BAD_CHANNELS.map((channel) => ({
    category: "invalid channel ID",
    received: (event: Json, data: Json) => {
      data.to = channel;
      return event;
    },
  })),
  ...BAD_TIMES.map((time) => ({
    category: "invalid timestamp",
    expect: "accepted" as const,
    received: (event: Json, data: Json) => {
      data.receivedTimestamp = time;
      return event;
    },
  })),
  {
    category: "empty status",
    expect: "accepted",
    status: (event, data) => ({ ...event, data: { ...data, status: "" } }),
  },
  // Oversized content: more than Event Grid's 1 MB, which no real event can carry. Kept, cut to 1 MiB and flagged; and
  // the same without a sender, which is rejected and kept whole in the rejected-events table.
  {
    category: "content over 1 MiB",
    expect: "accepted",
    received: (event, data, i) => {
      data.content = `${i} ${"x".repeat(1024 * 1024)}`;
      return event;
    },
  },
  {
    category: "content over 1 MiB without a sender",
    received: (event, data, i) => {
      data.content = `${i} ${"x".repeat(1024 * 1024)}`;
      delete data.from;
      delete data.fromBSUID;
      return event;
    },
  },
  { category: "event ID over 4096 characters", received: (event) => ({ ...event, id: "e".repeat(5000) }) },
  // Broken JSON, and JSON that is not one event.
  ...[0.1, 0.5, 0.9].map((fraction) => ({
    category: "broken JSON",
    received: (event: Json) => {
      const text = JSON.stringify(event);
      return text.slice(0, Math.floor(text.length * fraction));
    },
  })),
  { category: "JSON with trailing garbage", received: (event) => `${JSON.stringify(event)}}` },
  { category: "JSON text of a string", received: (event) => JSON.stringify(JSON.stringify(event)) },
  { category: "a delivery array instead of one event", received: (event) => [event] },
  { category: "data as JSON text", received: (event, data) => ({ ...event, data: JSON.stringify(data) }) },
  ...[null, 42, true, "text", []].map((value) => ({
    category: "not an event",
    received: () => value,
  })),
  // Event types the function does not handle: acknowledged and logged, not recorded as bad.
  ...FOREIGN_TYPES.map((type) => ({
    category: "foreign event type",
    expect: "ignored" as const,
    received: (event: Json) => ({ ...event, eventType: type }),
  })),
  {
    category: "status event sent to the message function",
    expect: "ignored",
    target: "advancedMessageReceived",
    status: (event) => event,
  },
  {
    category: "message event sent to the status function",
    expect: "ignored",
    target: "deliveryStatusUpdated",
    received: (event) => event,
  },
];

/**
 * At least `count` malformed events, the same ones on every run (seeded), cycling through every mutation above so each
 * category appears. Each is built from a valid event with its own IDs and identifiers (registered with the privacy
 * check), so no two are alike.
 */
export function generateMalformedEvents(count: number, seed: number): MalformedCase[] {
  const random = createRandom(seed);
  const cases: MalformedCase[] = [];
  const order = [...MUTATIONS.keys()];
  for (let i = 0; cases.length < count; i++) {
    if (i % MUTATIONS.length === 0) {
      // A fresh seeded order per round, so neighbours differ from round to round.
      for (let j = order.length - 1; j > 0; j--) {
        const k = random.int(j + 1);
        [order[j], order[k]] = [order[k]!, order[j]!];
      }
    }
    const mutation = MUTATIONS[order[i % MUTATIONS.length]!]!;
    const person = syntheticPerson(i % 9_000_000, 6);
    registerIdentifiers(person.bsuid, person.phoneDigits);
    const at = new Date(Date.now() - 60 * 60_000 + i).toISOString();
    const ids = { eventId: syntheticUuid(0xf0, i), messageId: syntheticUuid(0xf1, i), at };
    const isStatus = "status" in mutation;
    const event = isStatus
      ? statusEvent({ ...ids, status: "Delivered", ...person })
      : receivedEvent({ ...ids, ...person, content: `case ${i}` });
    const data = event.data as Json;
    const raw = isStatus ? mutation.status(event, data, i) : mutation.received(event, data, i);
    cases.push({
      category: mutation.category,
      raw,
      target: mutation.target ?? (isStatus ? "deliveryStatusUpdated" : "advancedMessageReceived"),
      expect: mutation.expect ?? "rejected",
    });
  }
  return cases;
}
