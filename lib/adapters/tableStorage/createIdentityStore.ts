import { odata, type TableClient, type TableEntityResult } from "@azure/data-tables";
import { asTransient, isConflict, isEntityMissing, isPreconditionFailed } from "./tableErrors";
import type { Bsuid } from "../../core/values/Bsuid";
import type { PhoneNumber } from "../../core/values/PhoneNumber";
import type { ContactId, Scope } from "../../core/values/identifiers";
import { createBlankContact, inferPhoneConfirmation } from "../../domain/identity/contactRules";
import type { Contact, IdentityKind, PhoneConfirmation } from "../../domain/identity/types";
import type { IdentityStore, StoredContact } from "../../domain/identity/IdentityStore";

const CONTACT_ROW = "contact";
const KEY_ROW = "key";

interface ContactEntity {
  partitionKey: string;
  rowKey: string;
  scope: string;
  bsuid?: string | null;
  phone?: string | null;
  phoneSeenAt?: string | null;
  /** `bsuid`, `import`, `message`, or `none`; absent on rows written before confirmations were recorded. */
  phoneConfirmedBy?: string | null;
  /** The BSUID the phone was seen with, when `phoneConfirmedBy` is `bsuid`. */
  phoneConfirmedBsuid?: string | null;
  previousPhones?: string;
  externalId?: string | null;
  name?: string | null;
  firstSeen?: string | null;
  lastSeen?: string | null;
  lastInbound?: string;
  createdAt: string;
  mergedContactIds?: string;
  previousBsuids?: string;
  mergedInto?: string | null;
  /** Set when an erasure of the contact began (ISO time). */
  erasingSince?: string | null;
  /** Set on the marker an erasure leaves in place of the contact (ISO time); nothing else of the person remains. */
  erasedAt?: string | null;
}

interface KeyEntity {
  partitionKey: string;
  rowKey: string;
  contactId: string;
  scope: string;
  kind: string;
}

/** The partition key of an identity key: one partition per identifier spreads load and keeps reads point reads. */
export function identityKeyPartition(scope: Scope, kind: IdentityKind, value: string): string {
  return `${scope}|${kind}|${value}`;
}

function parseJson<T>(value: string | undefined | null, fallback: T): T {
  if (!value) return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

/**
 * The stored confirmation. A row without `phoneConfirmedBy` predates confirmations: inferred by
 * `inferPhoneConfirmation`. An unreadable value confirms nothing.
 */
function readPhoneConfirmation(entity: ContactEntity, contact: Contact): PhoneConfirmation | null {
  if (contact.phone === null) return null;
  switch (entity.phoneConfirmedBy) {
    case undefined:
    case null:
      return inferPhoneConfirmation(contact);
    case "bsuid":
      return entity.phoneConfirmedBsuid ? { by: "bsuid", bsuid: entity.phoneConfirmedBsuid as Bsuid } : null;
    case "import":
    case "message":
      return { by: entity.phoneConfirmedBy };
    default:
      return null;
  }
}

function toContact(entity: TableEntityResult<ContactEntity>): StoredContact {
  if (entity.erasedAt) {
    const blank = createBlankContact(entity.partitionKey as ContactId, "" as Scope, entity.erasedAt);
    return { contact: blank, etag: entity.etag, mergedInto: null, erased: true };
  }
  const contact: Contact = {
    contactId: entity.partitionKey as ContactId,
    scope: entity.scope as Scope,
    bsuid: (entity.bsuid ?? null) as Bsuid | null,
    phone: (entity.phone ?? null) as PhoneNumber | null,
    phoneSeenAt: entity.phoneSeenAt ?? null,
    phoneConfirmation: null,
    externalId: entity.externalId ?? null,
    name: entity.name ?? null,
    firstSeen: entity.firstSeen ?? null,
    lastSeen: entity.lastSeen ?? null,
    lastInboundByChannel: parseJson<Record<string, string>>(entity.lastInbound, {}),
    createdAt: entity.createdAt,
    mergedContactIds: parseJson<ContactId[]>(entity.mergedContactIds, []),
    previousBsuids: parseJson<Bsuid[]>(entity.previousBsuids, []),
    previousPhones: parseJson<PhoneNumber[]>(entity.previousPhones, []),
  };
  contact.phoneConfirmation = readPhoneConfirmation(entity, contact);
  return {
    contact,
    etag: entity.etag,
    mergedInto: (entity.mergedInto ?? null) as ContactId | null,
    ...(entity.erasingSince ? { erasing: true } : {}),
  };
}

function toEntity(contact: Contact, mergedInto: ContactId | null): ContactEntity {
  return {
    partitionKey: contact.contactId,
    rowKey: CONTACT_ROW,
    scope: contact.scope,
    bsuid: contact.bsuid,
    phone: contact.phone,
    phoneSeenAt: contact.phoneSeenAt,
    // Always written, "none" included: Table Storage drops null properties, and a missing one marks an older row.
    phoneConfirmedBy: contact.phoneConfirmation?.by ?? "none",
    phoneConfirmedBsuid: contact.phoneConfirmation?.by === "bsuid" ? contact.phoneConfirmation.bsuid : null,
    externalId: contact.externalId,
    name: contact.name,
    firstSeen: contact.firstSeen,
    lastSeen: contact.lastSeen,
    lastInbound: JSON.stringify(contact.lastInboundByChannel),
    createdAt: contact.createdAt,
    mergedContactIds: JSON.stringify(contact.mergedContactIds),
    previousBsuids: JSON.stringify(contact.previousBsuids),
    previousPhones: JSON.stringify(contact.previousPhones),
    mergedInto,
  };
}

/**
 * Creates the Table Storage repository of the identity map.
 *
 * `contacts` holds one row per contact (partition = contactId); `identityKeys` holds one row per (scope, BSUID) and
 * (scope, phone), each in its own partition, pointing at a contactId. Keys are claimed with insert-if-absent and
 * contacts updated with ETags, so concurrent instances converge without locks.
 */
export function createIdentityStore(tables: { contacts: TableClient; identityKeys: TableClient }): IdentityStore {
  const { contacts, identityKeys } = tables;

  return {
    async getContact(contactId) {
      try {
        return toContact(await contacts.getEntity<ContactEntity>(contactId, CONTACT_ROW));
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("contact read", error);
      }
    },

    async createContact(contact) {
      try {
        const response = await contacts.createEntity(toEntity(contact, null));
        return response.etag ?? "*";
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw asTransient("contact insert", error);
      }
    },

    async updateContact(contact, etag, mergedInto = null) {
      try {
        const response = await contacts.updateEntity(toEntity(contact, mergedInto), "Replace", { etag });
        return response.etag ?? "*";
      } catch (error) {
        if (isPreconditionFailed(error) || isEntityMissing(error)) return undefined;
        throw asTransient("contact update", error);
      }
    },

    async getKey(scope, kind, value) {
      try {
        const entity = await identityKeys.getEntity<KeyEntity>(identityKeyPartition(scope, kind, value), KEY_ROW);
        return {
          contactId: entity.contactId as ContactId,
          etag: entity.etag,
          writtenAt: entity.timestamp ? new Date(entity.timestamp) : new Date(0),
        };
      } catch (error) {
        if (isEntityMissing(error)) return undefined;
        throw asTransient("identity key read", error);
      }
    },

    async claimKey(scope, kind, value, contactId) {
      try {
        const response = await identityKeys.createEntity<KeyEntity>({
          partitionKey: identityKeyPartition(scope, kind, value),
          rowKey: KEY_ROW,
          contactId,
          scope,
          kind,
        });
        return response.etag ?? "*";
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw asTransient("identity key insert", error);
      }
    },

    async repointKey(scope, kind, value, contactId, etag) {
      try {
        const response = await identityKeys.updateEntity<KeyEntity>(
          { partitionKey: identityKeyPartition(scope, kind, value), rowKey: KEY_ROW, contactId, scope, kind },
          "Replace",
          { etag },
        );
        return response.etag ?? "*";
      } catch (error) {
        if (isPreconditionFailed(error) || isEntityMissing(error)) return undefined;
        throw asTransient("identity key update", error);
      }
    },

    async deleteKey(scope, kind, value, etag) {
      try {
        await identityKeys.deleteEntity(identityKeyPartition(scope, kind, value), KEY_ROW, { etag });
        return true;
      } catch (error) {
        if (isEntityMissing(error)) return true;
        if (isPreconditionFailed(error)) return false;
        throw asTransient("identity key delete", error);
      }
    },

    async markErasing(contactId, etag) {
      try {
        const response = await contacts.updateEntity(
          { partitionKey: contactId, rowKey: CONTACT_ROW, erasingSince: new Date().toISOString() },
          "Merge",
          { etag },
        );
        return response.etag ?? "*";
      } catch (error) {
        if (isPreconditionFailed(error) || isEntityMissing(error)) return undefined;
        throw asTransient("contact erasure mark", error);
      }
    },

    async markErased(contactId, at) {
      try {
        const current = await contacts.getEntity<ContactEntity>(contactId, CONTACT_ROW).catch((error: unknown) => {
          if (isEntityMissing(error)) return undefined;
          throw error;
        });
        await contacts.upsertEntity(
          { partitionKey: contactId, rowKey: CONTACT_ROW, erasedAt: at.toISOString() },
          "Replace",
        );
        return current !== undefined && !current.erasedAt;
      } catch (error) {
        throw asTransient("contact erasure", error);
      }
    },

    async deleteKeysOf(contactId) {
      const found: { partitionKey: string; etag: string }[] = [];
      try {
        const filter = odata`contactId eq ${contactId}`;
        for await (const row of identityKeys.listEntities<KeyEntity>({ queryOptions: { filter } })) {
          found.push({ partitionKey: row.partitionKey!, etag: row.etag });
        }
      } catch (error) {
        throw asTransient("identity key list", error);
      }
      let deleted = 0;
      for (const key of found) {
        try {
          await identityKeys.deleteEntity(key.partitionKey, KEY_ROW, { etag: key.etag });
          deleted += 1;
        } catch (error) {
          // Gone, or moved to another contact since it was listed: either way not this contact's any more.
          if (!isEntityMissing(error) && !isPreconditionFailed(error)) throw asTransient("identity key delete", error);
        }
      }
      return deleted;
    },

    async listContacts(scope) {
      const filter = scope ? odata`RowKey eq ${CONTACT_ROW} and scope eq ${scope}` : odata`RowKey eq ${CONTACT_ROW}`;
      const result: Contact[] = [];
      try {
        for await (const entity of contacts.listEntities<ContactEntity>({ queryOptions: { filter } })) {
          const stored = toContact(entity as TableEntityResult<ContactEntity>);
          if (!stored.mergedInto && !stored.erased) result.push(stored.contact);
        }
      } catch (error) {
        throw asTransient("contact list", error);
      }
      return result;
    },
  };
}
