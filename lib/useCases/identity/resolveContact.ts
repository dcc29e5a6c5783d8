import { ConcurrencyError, NotFoundError } from "../../core/errors";
import type { ContactId } from "../../core/values/identifiers";
import { recordInbound, recordPhone, sameContact } from "../../domain/identity/contactRules";
import type { IdentityStore, StoredContact } from "../../domain/identity/IdentityStore";
import { decidePhoneChange } from "../../domain/identity/phoneChange";
import type { Contact } from "../../domain/identity/types";
import { applyPhoneChange, finishMerge } from "./applyPhoneChange";
import { HEAL_AFTER_MS, locate, locatePhone, releaseKey, Retry } from "./locateContact";
import {
  blankContact,
  createNew,
  startAttempt,
  type Attempt,
  type IdentityDeps,
  type ResolveInput,
  type ResolveOutcome,
} from "./resolutionAttempt";

export { followContact, HEAL_AFTER_MS, releaseKey } from "./locateContact";
export {
  createContactId,
  type IdentityDeps,
  type ResolveAction,
  type ResolveInput,
  type ResolveOutcome,
} from "./resolutionAttempt";

const MAX_ATTEMPTS = 12;
/** How long past HEAL_AFTER_MS a resolution keeps waiting for a creation in flight: the healing read's own time. */
const WAIT_MARGIN_MS = 2_000;

async function pause(attempt: number): Promise<void> {
  // Jittered backoff spreads instances that collided on the same new user.
  const ms = Math.min(200, 5 * 2 ** attempt) * Math.random();
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The contact `input` resolves to, when the per-process cache tells without a read and resolution can only match it:
 * a known BSUID whose contact holds that BSUID and, if the event carries a phone, that phone. Undefined otherwise.
 *
 * A prediction, not a resolution: a concurrent merge can fold the contact into another one, after which the predicted
 * ID is a tombstone that still resolves to the survivor. Phone-only senders are never predicted, since a phone can
 * move to another person's contact.
 */
export function predictContactId(store: IdentityStore, input: ResolveInput): ContactId | undefined {
  if (!input.bsuid || !store.peekContact) return undefined;
  const contact = store.peekContact(input.scope, "bsuid", input.bsuid);
  if (!contact || contact.bsuid !== input.bsuid) return undefined;
  if (input.phone && contact.phone !== input.phone) return undefined;
  return contact.contactId;
}

/**
 * Finds or creates the one contact an event's identifiers belong to, and records the inbound message on it.
 *
 * Rules (BSUID first, then phone):
 * - a known BSUID resolves to its contact; an unknown BSUID is attached to the phone's contact when that contact has no
 *   BSUID yet (a CRM import, or an event from before BSUIDs), otherwise a new contact is created;
 * - a phone seen for the first time is attached to the contact;
 * - when the phone already belongs to a different contact without a BSUID, that contact is merged into this one (the
 *   survivor keeps both identifiers and the other's history; the folded ID keeps resolving to the survivor);
 * - when the phone belongs to a contact with a different BSUID, the phone alias moves to this contact and the other
 *   keeps its BSUID: two BSUIDs are two people until someone relinks them (merging strangers would leak conversations);
 * - a phone seen with the contact's current BSUID is confirmed as theirs (see `isPhoneConfirmed`), and replaces a phone
 *   that was not (whatever the event's time: WhatsApp issues a new BSUID with a new number, so the pair holds);
 * - a phone seen with a BSUID the contact had before a relink was the person's previous number: it is kept as history
 *   and released if the contact still holds it, never attached.
 *
 * Safe under concurrency: keys are claimed with insert-if-absent and contacts updated with ETags; a lost race is
 * retried from fresh reads, so many instances handling the same new user end with one contact.
 */
export async function resolveContact(deps: IdentityDeps, input: ResolveInput): Promise<ResolveOutcome> {
  if (!input.bsuid && !input.phone) throw new NotFoundError("An event without a BSUID or phone has no contact");
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const result = await attemptResolve(deps, input);
    if (!(result instanceof Retry)) return result;
    // A creation in flight on another instance (or stalled behind a slow storage call) is waited for until its key is
    // old enough to heal (HEAL_AFTER_MS), not just for the attempt budget: giving up sooner fails an event that the
    // next read would have resolved.
    const waitMore = result.waiting && Date.now() - started < HEAL_AFTER_MS + WAIT_MARGIN_MS;
    if (attempt + 1 >= MAX_ATTEMPTS && !waitMore) {
      throw new ConcurrencyError(
        `Could not resolve the contact after ${attempt + 1} conflicting attempts (last: ${result.why})`,
      );
    }
    deps.logger.debug("identity write conflict, retrying", { why: result.why, attempt });
    await pause(Math.min(attempt, MAX_ATTEMPTS));
  }
}

async function attemptResolve(deps: IdentityDeps, input: ResolveInput): Promise<ResolveOutcome | Retry> {
  const attempt = startAttempt(deps, input);
  try {
    const early = (await claimUnseenBsuid(attempt)) ?? (await claimUnseenPhone(attempt));
    if (early) return early;
    await readKeys(attempt);
    const current = await locateOrCreate(attempt);
    if (attempt.created) attempt.actions.push("created");
    return await applyEvent(attempt, current);
  } catch (error) {
    if (error instanceof Retry) return error;
    throw error;
  }
}

/**
 * Claim-first for a BSUID this instance has not seen: for a new user that saves the reads, so a first message costs
 * two key inserts and one contact insert. Returns the outcome when that settles it; a taken key falls through to the
 * read path.
 */
async function claimUnseenBsuid(attempt: Attempt): Promise<ResolveOutcome | undefined> {
  const { store, input, sighting, actions } = attempt;
  const { scope, bsuid, phone } = input;
  if (!bsuid || !store.knowsKey || store.knowsKey(scope, "bsuid", bsuid)) return undefined;
  const claimedId = attempt.newId();
  const claimEtag = await store.claimKey(scope, "bsuid", bsuid, claimedId);
  if (!claimEtag) return undefined;
  const fresh = { ...blankContact(attempt, claimedId), bsuid };
  const phoneClaimed = phone ? await store.claimKey(scope, "phone", phone, claimedId) : undefined;
  if (!phone || phoneClaimed) {
    const made = await createNew(attempt, sighting ? recordPhone(fresh, sighting) : fresh);
    actions.push("created");
    if (phone) actions.push("attachedPhone");
    return { contact: made.contact, actions };
  }
  // The phone already belongs to a contact. A phone-only contact (a CRM import, a pre-BSUID sender) takes the BSUID:
  // point the just-claimed key at it. Otherwise the new contact is created and the phone rules apply.
  const byPhone = await locatePhone(store, scope, phone, attempt.now);
  attempt.byPhone = byPhone;
  if (
    byPhone &&
    byPhone.contact.contact.bsuid === null &&
    (await store.repointKey(scope, "bsuid", bsuid, byPhone.contact.contact.contactId, claimEtag))
  ) {
    attempt.current = byPhone.contact;
    actions.push("attachedBsuid");
  } else {
    attempt.current = await createNew(attempt, fresh);
  }
  return undefined;
}

/** Claim-first for a phone-only sender this instance has not seen; a taken key falls through to the read path. */
async function claimUnseenPhone(attempt: Attempt): Promise<ResolveOutcome | undefined> {
  const { store, input, sighting } = attempt;
  if (attempt.current || !sighting || input.bsuid || !store.knowsKey) return undefined;
  if (store.knowsKey(input.scope, "phone", sighting.phone)) return undefined;
  const claimedId = attempt.newId();
  if (!(await store.claimKey(input.scope, "phone", sighting.phone, claimedId))) return undefined;
  const made = await createNew(attempt, recordPhone(blankContact(attempt, claimedId), sighting));
  return { contact: made.contact, actions: ["created"] };
}

/** Reads the BSUID's contact and, when it may matter, the phone's key and contact. */
async function readKeys(attempt: Attempt): Promise<void> {
  const { store, input, now } = attempt;
  const { scope, bsuid, phone } = input;
  if (!attempt.current && bsuid) attempt.current = (await locate(store, scope, "bsuid", bsuid, now))?.contact;
  const current = attempt.current;
  if (attempt.byPhone || !phone) return;
  if (!current || current.contact.phone !== phone) {
    attempt.byPhone = await locatePhone(store, scope, phone, now);
  } else if (current.contact.mergedContactIds.length > 0) {
    // The contact already holds this phone, so its key should point here. A merge interrupted after the survivor
    // absorbed the other contact (phone included) and before that one was tombstoned (a lost ETag race, or a crash)
    // leaves the key on the folded contact, still live: finish that merge. Only a survivor of a merge can be in that
    // state (absorbing lists the folded ID in mergedContactIds), and a cached key costs no request.
    const key = await store.getKey(scope, "phone", phone);
    if (key && key.contactId !== current.contact.contactId) {
      attempt.byPhone = await locatePhone(store, scope, phone, now);
    }
  }
}

/**
 * The contact the event resolves to when reading found none by BSUID: an unknown BSUID is attached to the phone's
 * contact when it has no BSUID, otherwise claimed for a new contact; a phone alone resolves to its contact or a new one.
 */
async function locateOrCreate(attempt: Attempt): Promise<StoredContact> {
  const { store, input, sighting, byPhone } = attempt;
  const { scope, bsuid } = input;
  if (attempt.current) return attempt.current;
  if (bsuid) {
    const target = byPhone && byPhone.contact.contact.bsuid === null ? byPhone.contact : undefined;
    const contactId = target?.contact.contactId ?? attempt.newId();
    if (!(await store.claimKey(scope, "bsuid", bsuid, contactId))) throw new Retry("BSUID claimed concurrently");
    if (target) {
      attempt.actions.push("attachedBsuid");
      return target;
    }
    return createNew(attempt, { ...blankContact(attempt, contactId), bsuid });
  }
  if (byPhone) return byPhone.contact;
  if (sighting) {
    const contactId = attempt.newId();
    if (!(await store.claimKey(scope, "phone", sighting.phone, contactId))) {
      throw new Retry("phone claimed concurrently");
    }
    return createNew(attempt, recordPhone(blankContact(attempt, contactId), sighting));
  }
  throw new Retry("no contact located");
}

/** Applies the event's identifiers and inbound message to the resolved contact, and saves what changed. */
async function applyEvent(attempt: Attempt, current: StoredContact): Promise<ResolveOutcome> {
  const { store, input, actions } = attempt;
  const { bsuid, phone, inbound } = input;
  const start: Contact = { ...current.contact };
  if (bsuid && start.bsuid === null) start.bsuid = bsuid;
  const change = decidePhoneChange({
    contact: start,
    bsuid,
    sighting: attempt.sighting,
    keyHolder: attempt.byPhone?.contact.contact,
  });
  const { contact: changed, folded, releasedPhone, stalePhoneKey } = await applyPhoneChange(attempt, start, change);
  const next = inbound ? recordInbound(changed, inbound.channelId, inbound.at) : changed;

  const same = sameContact(next, current.contact);
  if (!same) {
    if (!(await store.updateContact(next, current.etag))) throw new Retry("contact changed concurrently");
  }
  const unwritten = same && !folded && !releasedPhone;
  if (folded) await finishMerge(attempt, next, folded, stalePhoneKey);
  if (releasedPhone && (releasedPhone !== phone || change.kind === "historic")) {
    await releaseKey(store, input.scope, "phone", releasedPhone, next.contactId);
  }

  if (actions.length === 0) actions.push("matched");
  return {
    contact: next,
    actions,
    ...(folded ? { mergedContactId: folded.contact.contactId } : {}),
    ...(unwritten ? { unwritten } : {}),
  };
}
