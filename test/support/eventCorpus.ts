import { fixtureNames, loadFixtureEvent } from "./fixtures";

/** How the sender (received) or recipient (status) appears in an event. */
export type SenderForm =
  /** Phone visible, BSUID too: the subject carries the phone. */
  | "phone+bsuid"
  /** Username user: phone hidden, the subject carries the BSUID; the phone field as `""`, `null` or left out. */
  | "bsuid-only (from empty)"
  | "bsuid-only (from null)"
  | "bsuid-only (from absent)"
  /** Before BSUIDs: phone only. */
  | "phone-only"
  /** A managed business's parent BSUID (`CC.ENT.…`), phone hidden. */
  | "parent-bsuid";

export const SENDER_FORMS: readonly SenderForm[] = [
  "phone+bsuid",
  "bsuid-only (from empty)",
  "bsuid-only (from null)",
  "bsuid-only (from absent)",
  "phone-only",
  "parent-bsuid",
];

export type DeliverySchema = "EventGridSchema" | "CloudEventSchemaV1_0";

/** A person, by country, with the numbers and BSUIDs they appear under. */
export interface CorpusPerson {
  country: string;
  /** Digits without `+`, as ACS writes `from` / `to`. */
  phone: string;
  bsuid: string;
  parentBsuid: string;
}

/** Several countries, calling codes of one to three digits, and a shared calling code (GB and JE are both 44). */
export const CORPUS_PEOPLE: readonly CorpusPerson[] = [
  { country: "GB", phone: "447700900123", bsuid: "GB.88213456712094", parentBsuid: "GB.ENT.55510293847561" },
  { country: "JE", phone: "447797123456", bsuid: "JE.40012837465019", parentBsuid: "JE.ENT.40012837465020" },
  { country: "US", phone: "14255551234", bsuid: "US.13491208655302741918", parentBsuid: "US.ENT.11815799212886844830" },
  { country: "IN", phone: "919876543210", bsuid: "IN.77120398456", parentBsuid: "IN.ENT.77120398457" },
  { country: "DE", phone: "4915112345678", bsuid: "DE.30498712", parentBsuid: "DE.ENT.30498713" },
  { country: "BR", phone: "5511987654321", bsuid: "BR.9988776655", parentBsuid: "BR.ENT.9988776656" },
  { country: "AE", phone: "971501234567", bsuid: "AE.5566778899", parentBsuid: "AE.ENT.5566778800" },
];

/** One generated event and what it stands for. */
export interface CorpusEvent {
  /** Readable and unique, e.g. `received-image.json / GB / bsuid-only (from null) / CloudEventSchemaV1_0`. */
  name: string;
  kind: "received" | "status";
  fixture: string;
  person: CorpusPerson;
  form: SenderForm;
  schema: DeliverySchema;
  event: Record<string, unknown>;
}

/**
 * Every received fixture (each message type) and every status fixture, for every person and every sender form, in both
 * delivery schemas: the corpus the deployed subscriptions and the routes are tested against. Built from the recorded
 * fixtures by changing only the sender (or recipient) fields and the subject, the way ACS writes them.
 */
export function buildEventCorpus(): CorpusEvent[] {
  const corpus: CorpusEvent[] = [];
  const fixtures = fixtureNames().filter((name) => !name.startsWith("cloudevents-"));
  for (const fixture of fixtures) {
    const kind = fixture.startsWith("status") ? "status" : "received";
    for (const person of CORPUS_PEOPLE) {
      for (const form of SENDER_FORMS) {
        for (const schema of ["EventGridSchema", "CloudEventSchemaV1_0"] as const) {
          const base = structuredClone(loadFixtureEvent(fixture));
          const event = withSender(base, kind, person, form);
          corpus.push({
            name: `${fixture} / ${person.country} / ${form} / ${schema}`,
            kind,
            fixture,
            person,
            form,
            schema,
            event: schema === "CloudEventSchemaV1_0" ? toCloudEvent(event) : event,
          });
        }
      }
    }
  }
  return corpus;
}

function withSender(
  event: Record<string, unknown>,
  kind: "received" | "status",
  person: CorpusPerson,
  form: SenderForm,
): Record<string, unknown> {
  const data = event.data as Record<string, unknown>;
  const phoneField = kind === "received" ? "from" : "to";
  const bsuidField = kind === "received" ? "fromBSUID" : "toBSUID";
  const bsuid = form === "parent-bsuid" ? person.parentBsuid : person.bsuid;
  delete data[phoneField];
  delete data[bsuidField];
  if (form === "phone+bsuid" || form === "phone-only") data[phoneField] = person.phone;
  if (form === "bsuid-only (from empty)" || form === "parent-bsuid") data[phoneField] = "";
  if (form === "bsuid-only (from null)") data[phoneField] = null;
  if (form !== "phone-only") data[bsuidField] = bsuid;
  if (kind === "received") {
    const sender = form === "phone+bsuid" || form === "phone-only" ? person.phone : bsuid;
    event.subject = `advancedMessage/sender/${sender}/recipient/${String(data.to)}`;
  }
  return event;
}

/** The same event in the CloudEvents 1.0 schema, as Event Grid delivers it with `CloudEventSchemaV1_0`. */
export function toCloudEvent(event: Record<string, unknown>): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    datacontenttype: "application/json",
    data: event.data,
  };
}
