import type { TableClient } from "@azure/data-tables";
import type { AppServices } from "../../../lib/app/createAppServices";

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string };

async function rows(table: TableClient): Promise<Row[]> {
  const result: Row[] = [];
  try {
    for await (const entity of table.listEntities<Row>()) result.push(entity as Row);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return result;
}

/** What the identity map, the ledger and the route log hold, with every generated ID replaced by a stable name. */
export interface CanonicalSnapshot {
  /** Live contacts by name (`bsuid:…`, else `phone:…`), without their generated ID, creation time or merge list. */
  contacts: Record<string, Record<string, unknown>>;
  /** Identity key → the name of the live contact it resolves to (through merge tombstones). */
  keys: Record<string, string>;
  /** Message rows by message ID (a reply by `reply-to:<inbound message ID>`), contact as a name. */
  messages: Record<string, Record<string, unknown>>;
  /** Status history rows by `<message key>|<event ID>`. */
  history: Record<string, Record<string, unknown>>;
  /** Route actions by `<inbound message ID>|<route>|<action>` → result. */
  routeActions: Record<string, string>;
  /** Rejected events recorded (rows holding a reason, not continuation rows). */
  rejected: number;
}

/** Facts about the raw state that a canonical comparison hides on purpose. */
export interface SnapshotFacts {
  liveContacts: number;
  tombstones: number;
  /** Live contacts sharing a BSUID or a phone with another live contact: must be empty. */
  duplicates: string[];
  /** Identity keys that resolve to no live contact: must be empty. */
  danglingKeys: string[];
}

/**
 * Reads every table of one app deployment and reduces it to a canonical form that two runs can be compared by:
 * generated contact IDs become names derived from the contact's identifiers, merged contacts are followed to their
 * survivor, replies (whose ACS message IDs are random) are named after the inbound message they answer, and fields that
 * depend on the moment of processing (createdAt, a reply's send time and chosen address) are left out.
 */
export async function canonicalSnapshot(
  services: AppServices,
): Promise<{ canonical: CanonicalSnapshot; facts: SnapshotFacts }> {
  const [contactRows, keyRows, messageRows, rejectedRows, actionRows] = await Promise.all([
    rows(services.tables.contacts),
    rows(services.tables.identityKeys),
    rows(services.tables.messages),
    rows(services.tables.rejectedEvents),
    rows(services.tables.routeActions),
  ]);

  const byId = new Map(contactRows.map((row) => [row.partitionKey, row]));
  const survivorOf = (contactId: string): Row | undefined => {
    let row = byId.get(contactId);
    for (let hop = 0; row && row.mergedInto && hop < 16; hop++) row = byId.get(String(row.mergedInto));
    return row && !row.mergedInto ? row : undefined;
  };
  const nameOf = (row: Row): string => (row.bsuid ? `bsuid:${String(row.bsuid)}` : `phone:${String(row.phone)}`);
  const contactName = (contactId: unknown): string | null => {
    if (contactId === null || contactId === undefined || contactId === "") return null;
    const survivor = survivorOf(String(contactId));
    return survivor ? nameOf(survivor) : `missing:${String(contactId)}`;
  };

  const live = contactRows.filter((row) => !row.mergedInto);
  const facts: SnapshotFacts = {
    liveContacts: live.length,
    tombstones: contactRows.length - live.length,
    duplicates: [],
    danglingKeys: [],
  };
  const contacts: CanonicalSnapshot["contacts"] = {};
  const seen = new Map<string, string>();
  for (const row of live) {
    const name = nameOf(row);
    for (const identifier of [row.bsuid, row.phone].filter(Boolean).map(String)) {
      if (seen.has(identifier)) facts.duplicates.push(`${seen.get(identifier)} and ${row.partitionKey}`);
      seen.set(identifier, row.partitionKey);
    }
    contacts[name] = {
      scope: row.scope,
      bsuid: row.bsuid ?? null,
      phone: row.phone ?? null,
      externalId: row.externalId ?? null,
      name: row.name ?? null,
      firstSeen: row.firstSeen ?? null,
      lastSeen: row.lastSeen ?? null,
      lastInbound: JSON.parse(String(row.lastInbound ?? "{}")) as unknown,
      previousBsuids: JSON.parse(String(row.previousBsuids ?? "[]")) as unknown,
    };
  }

  const keys: CanonicalSnapshot["keys"] = {};
  for (const row of keyRows) {
    const name = contactName(row.contactId);
    if (name === null || name.startsWith("missing:")) facts.danglingKeys.push(row.partitionKey);
    keys[row.partitionKey] = name ?? "none";
  }

  const routeActions: CanonicalSnapshot["routeActions"] = {};
  const replyOf = new Map<string, string>();
  for (const row of actionRows) {
    routeActions[`${row.partitionKey}|${row.rowKey}`] = String(row.result);
    if (row.result === "replied" && typeof row.detail === "string") {
      replyOf.set(row.detail, `reply-to:${row.partitionKey}`);
    }
  }

  const messages: CanonicalSnapshot["messages"] = {};
  const history: CanonicalSnapshot["history"] = {};
  for (const row of messageRows) {
    const reply = replyOf.get(row.partitionKey);
    const key = reply ?? row.partitionKey;
    if (row.rowKey === "message") {
      messages[key] = {
        direction: row.direction,
        contact: contactName(row.contactId),
        channelId: row.channelId,
        messageType: row.messageType ?? null,
        summary: row.summary ?? null,
        // A reply's time and address are those of the moment it was sent, which differs between any two runs.
        at: reply ? "(send time)" : (row.at ?? null),
        addressedBy: reply ? "(chosen at send time)" : (row.addressedBy ?? null),
        templateName: row.templateName ?? null,
        status: row.status ?? null,
        statusAt: row.statusAt ?? null,
        statusEventId: row.statusEventId ?? null,
        errorCode: row.errorCode ?? null,
        errorMessage: row.errorMessage ?? null,
      };
    } else {
      history[`${key}|${row.rowKey}`] = {
        status: row.status,
        rawStatus: row.rawStatus,
        at: row.at,
        errorCode: row.errorCode ?? null,
        errorMessage: row.errorMessage ?? null,
      };
    }
  }

  const rejected = rejectedRows.filter((row) => typeof row.reason === "string").length;
  return { canonical: { contacts, keys, messages, history, routeActions, rejected }, facts };
}
