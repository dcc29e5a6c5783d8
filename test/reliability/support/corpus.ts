import {
  createRandom,
  receivedEvent,
  statusEvent,
  syntheticPerson,
  syntheticUuid,
  type SyntheticPerson,
} from "../../../bench/syntheticEvents";
import { registerIdentifiers } from "./privacy";

/**
 * How a person shows up in events (each person keeps one phone and one BSUID; no number is ever recycled):
 * - `visible`: phone and BSUID on every message;
 * - `hidden`: a username user, BSUID only;
 * - `upgrading`: phone-only (pre-BSUID) messages first, then phone + BSUID or BSUID only (attach or merge);
 * - `mixed`: any of the three forms on any message (merges in some orders, attaches in others);
 * - `legacy`: phone only.
 */
export type PersonKind = "visible" | "hidden" | "upgrading" | "mixed" | "legacy";

const KINDS: readonly PersonKind[] = ["visible", "hidden", "upgrading", "mixed", "legacy"];

/** A generated event and what the checks need to know about it. */
export interface CorpusEvent {
  event: Record<string, unknown>;
  kind: "received" | "status";
  /** The person it is from or to. */
  person: number;
  /** Inbound only: the reply route answers it. */
  wantsReply: boolean;
}

/** A deterministic corpus, in the chronological order of its events. */
export interface Corpus {
  events: CorpusEvent[];
  persons: { person: SyntheticPerson; kind: PersonKind }[];
}

/**
 * Generates `size` events from `size / 5` persons over the last few hours: about 85% inbound messages (10% of them
 * "help …", which the reply route answers) and 15% delivery statuses of outbound messages (Sent, then Delivered and
 * Read, some Failed), whose recipient carries the person's identifiers in one fixed form per message, as ACS does.
 * Registers every identifier with the privacy check.
 */
export function generateCorpus(size: number, seed: number, series = 3): Corpus {
  const random = createRandom(seed);
  const personCount = Math.max(5, Math.round(size / 5));
  const persons = Array.from({ length: personCount }, (_, n) => ({
    person: syntheticPerson(n, series),
    kind: KINDS[n % KINDS.length]!,
  }));
  for (const { person } of persons) registerIdentifiers(person.bsuid, person.phoneDigits);

  // Times end a few minutes ago, inside the 24-hour customer-service window, so replies are allowed.
  const end = Date.now() - 5 * 60_000;
  const start = end - 6 * 60 * 60_000;
  const timeOf = (index: number) => new Date(start + Math.floor(((end - start) * index) / size)).toISOString();
  const outbound: { messageId: string; person: number; form: "both" | "bsuid" | "phone"; sent: number }[] = [];
  const events: CorpusEvent[] = [];

  for (let index = 0; index < size; index++) {
    const at = timeOf(index);
    const eventId = syntheticUuid(0xe0 + series, index);
    if (random.next() < 0.15) {
      // A delivery status: a new send gets Sent; an earlier one moves on (Delivered, Read; or Failed).
      let message = outbound.length > 0 && random.next() < 0.7 ? random.pick(outbound) : undefined;
      if (!message || message.sent >= 3) {
        const person = random.int(personCount);
        const kind = persons[person]!.kind;
        const form = kind === "hidden" ? "bsuid" : kind === "legacy" ? "phone" : "both";
        message = { messageId: syntheticUuid(0xb0 + series, index), person, form, sent: 0 };
        outbound.push(message);
      }
      const step = message.sent++;
      const status = step === 0 ? "Sent" : step === 1 ? (random.next() < 0.1 ? "Failed" : "Delivered") : "Read";
      const who = persons[message.person]!.person;
      events.push({
        kind: "status",
        person: message.person,
        wantsReply: false,
        event: statusEvent({
          eventId,
          messageId: message.messageId,
          status,
          at,
          bsuid: message.form === "phone" ? undefined : who.bsuid,
          phoneDigits: message.form === "bsuid" ? undefined : who.phoneDigits,
        }),
      });
      continue;
    }

    const person = random.int(personCount);
    const { person: who, kind } = persons[person]!;
    let form: "both" | "bsuid" | "phone";
    switch (kind) {
      case "visible":
        form = "both";
        break;
      case "hidden":
        form = "bsuid";
        break;
      case "legacy":
        form = "phone";
        break;
      case "upgrading":
        form = index < size / 3 ? "phone" : random.next() < 0.5 ? "both" : "bsuid";
        break;
      case "mixed":
        form = random.pick(["both", "bsuid", "phone"] as const);
        break;
    }
    const wantsReply = random.next() < 0.1;
    events.push({
      kind: "received",
      person,
      wantsReply,
      event: receivedEvent({
        eventId,
        messageId: syntheticUuid(0xa0 + series, index),
        at,
        bsuid: form === "phone" ? undefined : who.bsuid,
        phoneDigits: form === "bsuid" ? undefined : who.phoneDigits,
        content: wantsReply ? `help with order ${index}` : `message ${index}`,
      }),
    });
  }
  return { events, persons };
}

/** The message ID of an inbound corpus event. */
export function messageIdOf(event: CorpusEvent): string {
  return String((event.event.data as { messageId: string }).messageId);
}
