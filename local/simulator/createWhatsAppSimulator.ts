// Over 400 lines on purpose: the simulated users, their portfolios' BSUIDs and their
// conversations are one state machine; message building and statuses are modules of their own.
import { randomUUID } from "node:crypto";
import { isBsuidRecipient } from "../acsEmulator/validateNotification";
import {
  LOCAL_ACS_RESOURCE_ID,
  createDeliveryStatusEvent,
  type AcsDeliveryStatus,
  type SentMessageRef,
} from "../eventGrid/acsEvents";
import {
  SimulatorError,
  countryOfPhone,
  createRandom,
  generateBsuid,
  generatePhone,
  parseCountry,
  parseSimulatedPhone,
  type Random,
} from "./identities";
import { buildMessageParts, type SimulatedMessage } from "./messageTypes";
import { createSimulatorClock, type SimulatorClock } from "./simulatorClock";

/** How long an interaction on a business number keeps a username user's phone visible to it (Meta: 30 days). */
export const PHONE_VISIBILITY_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** The event type of an inbound WhatsApp message. */
const RECEIVED_EVENT_TYPE = "Microsoft.Communication.AdvancedMessageReceived";

/** A business number (ACS channel registration) the simulated users write to. */
export interface SimulatorChannel {
  /** The channel registration ID (a GUID): `data.to` and the subject's recipient. */
  channelId: string;
  /** The business portfolio it belongs to: BSUIDs and the Contact Book are per portfolio (the app's scope). */
  portfolio: string;
  /** The business's own number, digits without `+` (`context.from` of replies). */
  businessPhone: string;
}

/** One delivery status published for a business send, `afterMs` after it. */
export interface DeliveryStatusStep {
  status: AcsDeliveryStatus;
  afterMs: number;
}

/** Statuses for a send to a simulated user: Sent, Delivered, then Read (the user opens it). */
export const SIMULATOR_DELIVERY_STATUSES: readonly DeliveryStatusStep[] = [
  { status: "Sent", afterMs: 300 },
  { status: "Delivered", afterMs: 800 },
  { status: "Read", afterMs: 1500 },
];

/** The error of a failed delivery unless another is asked for: WhatsApp's documented 131026. */
export const DEFAULT_DELIVERY_ERROR = { channelCode: "131026", channelMessage: "Message Undeliverable." } as const;

/** Publishes events to the topic (Event Grid schema), e.g. `stack.topic.publish`. */
export type PublishEvents = (events: Record<string, unknown>[], options?: { delayMs?: number }) => unknown;

/** Settings of {@link createWhatsAppSimulator}. */
export interface WhatsAppSimulatorOptions {
  /** The business numbers; the first is where users write unless a send names another. */
  channels: readonly SimulatorChannel[];
  publish: PublishEvents;
  /** The simulator's own time (event timestamps, the 30-day rule); real time, movable, when omitted. */
  clock?: SimulatorClock;
  /** Makes BSUIDs and generated phone numbers the same on every run. */
  seed?: number;
  /** Statuses published for each business send to a simulated user; `false` for none. */
  deliveryStatuses?: readonly DeliveryStatusStep[] | false;
  /** Serves a media message's bytes (the ACS emulator's `addMedia`), so the app can download them. */
  addMedia?: (id: string, content: Uint8Array, contentType: string) => void;
  /** The `topic` of the events; the local ACS resource when omitted. */
  topicResourceId?: string;
  /** How many published events {@link WhatsAppSimulator.events} keeps; 500 when omitted. */
  eventLogSize?: number;
}

/** Who to create. Everything has a default: a GB user without a username. */
export interface CreateUserInput {
  /** ISO country of the user; taken from `phone` when omitted, else GB. */
  country?: string;
  /** E.164 number; a fictitious one of the country when omitted. */
  phone?: string;
  /** A WhatsApp username (the phone is then hidden by the visibility rules); `true` makes one up. */
  username?: string | boolean;
  /** In the business's Contact Book: `true` for every portfolio, or the portfolios. */
  inContactBook?: boolean | readonly string[];
  /** A label for people reading lists and stories; never sent in events. */
  name?: string;
  /** Whether the user opens what the business sends (a `Read` status); default true. */
  readsMessages?: boolean;
}

/** What a business number sees of a user's phone, and why. */
export interface PhoneVisibility {
  visible: boolean;
  rule: "no-username" | "contact-book" | "recent-interaction" | "hidden";
  reason: string;
}

/** A simulated user as the API shows it (full identifiers: local, fictitious data). */
export interface SimulatedUserView {
  id: string;
  name: string | null;
  country: string;
  phone: string;
  username: string | null;
  /** Portfolios whose Contact Book holds the user. */
  inContactBook: string[];
  /** The user's BSUID per portfolio. */
  bsuids: Record<string, string>;
  /** BSUIDs invalidated by phone-number changes, per portfolio, oldest first. */
  previousBsuids: Record<string, string[]>;
  previousPhones: string[];
  /** Last message in either direction per business number (simulator time). */
  lastInteractionByChannel: Record<string, string>;
  /** What each business number would see of the phone if the user wrote now. */
  phoneVisibility: Record<string, PhoneVisibility>;
  readsMessages: boolean;
  pendingDeliveryFailures: number;
}

/** The outcome of a user's message. */
export interface SimulatedSend {
  userId: string;
  channelId: string;
  messageId: string;
  messageType: string;
  /** Whether `data.from` carries the phone, and the rule that decided it. */
  phoneShown: boolean;
  visibility: PhoneVisibility;
  /** The published `AdvancedMessageReceived` event (Event Grid schema). */
  event: Record<string, unknown>;
}

/** The outcome of a phone-number change. */
export interface NumberChange {
  user: SimulatedUserView;
  previousPhone: string;
  /** Per portfolio: the BSUID WhatsApp invalidated and the one it issued. */
  bsuids: { portfolio: string; previous: string; current: string }[];
}

/** What the simulator did about a business send (an accepted ACS send). */
export interface HandledBusinessSend {
  messageId: string;
  /** The simulated user it reached; undefined for a recipient the simulator does not know. */
  userId: string | undefined;
  outcome: "delivered" | "failed" | "unknown-recipient";
  /** The statuses published (or scheduled), in order. */
  statuses: AcsDeliveryStatus[];
}

/** A user, by ID or as returned by the simulator. */
export type UserRef = string | { id: string };

/** A running simulator. */
export interface WhatsAppSimulator {
  readonly channels: readonly SimulatorChannel[];
  readonly clock: SimulatorClock;
  createUser(input?: CreateUserInput): SimulatedUserView;
  getUser(user: UserRef): SimulatedUserView;
  listUsers(): SimulatedUserView[];
  /** The user sends a message to a business number (the first channel unless `channelId` is given). */
  send(user: UserRef, message: SimulatedMessage, options?: { channelId?: string }): SimulatedSend;
  /** The user moves to a new phone number (a fictitious one when omitted): new BSUIDs, no interaction history. */
  changeNumber(user: UserRef, phone?: string): NumberChange;
  /** Adds the user to (or removes them from) the Contact Book of a portfolio, or of every portfolio. */
  setInContactBook(user: UserRef, inContactBook: boolean, portfolio?: string): SimulatedUserView;
  /** The next business send to the user fails (`Failed` status with `error`, 131026 by default). */
  failNextDeliveryTo(user: UserRef, error?: { channelCode: string; channelMessage: string }): void;
  /** What a business number sees of the user's phone right now. */
  phoneVisibility(user: UserRef, channelId?: string): PhoneVisibility;
  /**
   * Takes note of a message the business sent (wire it to the ACS emulator's `onSent`): counts it as an interaction
   * on that business number and publishes its delivery statuses.
   */
  handleBusinessSend(sent: SentMessageRef): HandledBusinessSend;
  /** The events the simulator published, oldest first (received and status events). */
  readonly events: readonly Record<string, unknown>[];
}

interface UserState {
  id: string;
  name: string | null;
  country: string;
  phone: string;
  username: string | null;
  contactBook: Set<string>;
  bsuids: Map<string, string>;
  previousBsuids: Map<string, string[]>;
  previousPhones: string[];
  lastInteraction: Map<string, Date>;
  lastBusinessMessage: Map<string, string>;
  readsMessages: boolean;
  failures: { channelCode: string; channelMessage: string }[];
}

/**
 * Decides whether a business number sees a user's phone, by Meta's rules for usernames: users without a username
 * always show it; a username user shows it when they are in the business's Contact Book (portfolio-wide) or there was
 * a message in either direction on that business number within the last 30 days; otherwise only the BSUID arrives.
 */
export function decidePhoneVisibility(facts: {
  username: string | null | undefined;
  inContactBook: boolean;
  lastInteractionAt: Date | undefined;
  now: Date;
}): PhoneVisibility {
  if (!facts.username) {
    return { visible: true, rule: "no-username", reason: "no WhatsApp username: the phone is always shown" };
  }
  if (facts.inContactBook) {
    return { visible: true, rule: "contact-book", reason: "username, but in the business's Contact Book" };
  }
  if (facts.lastInteractionAt) {
    const age = facts.now.getTime() - facts.lastInteractionAt.getTime();
    if (age <= PHONE_VISIBILITY_WINDOW_MS) {
      return {
        visible: true,
        rule: "recent-interaction",
        reason: `username, but a message on this business number ${describeAge(age)} ago (within 30 days)`,
      };
    }
    return {
      visible: false,
      rule: "hidden",
      reason: `username, last message on this business number ${describeAge(age)} ago (over 30 days), not in the Contact Book`,
    };
  }
  return {
    visible: false,
    rule: "hidden",
    reason: "username, no message on this business number in the last 30 days, not in the Contact Book",
  };
}

function describeAge(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  if (days >= 1) return `${days} day${days === 1 ? "" : "s"}`;
  const hours = Math.floor(ms / 3_600_000);
  if (hours >= 1) return `${hours} hour${hours === 1 ? "" : "s"}`;
  return "less than an hour";
}

/**
 * A set of simulated WhatsApp users writing to a business's numbers through ACS Advanced Messaging. Each user has a
 * phone number, optionally a username, and one BSUID per business portfolio (`{country}.{digits}`, unique within the
 * portfolio). Their messages become `AdvancedMessageReceived` events shaped as ACS publishes them, with the phone shown
 * or hidden per business number by {@link decidePhoneVisibility}; the business's sends to them (fed in through
 * {@link WhatsAppSimulator.handleBusinessSend}) count as interactions and get delivery statuses.
 */
export function createWhatsAppSimulator(options: WhatsAppSimulatorOptions): WhatsAppSimulator {
  if (options.channels.length === 0) throw new Error("The WhatsApp simulator needs at least one channel");
  const channels = options.channels.map((channel) => ({ ...channel }));
  const clock = options.clock ?? createSimulatorClock();
  const random: Random = createRandom(options.seed);
  const statusSteps =
    options.deliveryStatuses === false ? [] : (options.deliveryStatuses ?? SIMULATOR_DELIVERY_STATUSES);
  const topic = options.topicResourceId ?? LOCAL_ACS_RESOURCE_ID;
  const eventLogSize = options.eventLogSize ?? 500;
  const users = new Map<string, UserState>();
  /** Every BSUID ever issued, per portfolio (current and invalidated): never issued twice. */
  const issued = new Map<string, Set<string>>();
  const events: Record<string, unknown>[] = [];
  let nextUser = 1;

  const portfolios = () => [...new Set(channels.map((channel) => channel.portfolio))];

  function channelOf(channelId: string | undefined): SimulatorChannel {
    if (channelId === undefined) return channels[0]!;
    const found = channels.find((channel) => channel.channelId.toLowerCase() === channelId.toLowerCase());
    if (!found) {
      throw new SimulatorError(
        400,
        "unknown_channel",
        `channelId is not one of the simulated business numbers (${channels.map((c) => c.channelId).join(", ")})`,
      );
    }
    return found;
  }

  function stateOf(user: UserRef): UserState {
    const id = typeof user === "string" ? user : user.id;
    const state = users.get(id);
    if (!state) throw new SimulatorError(404, "user_not_found", `No simulated user ${id}`);
    return state;
  }

  function issueBsuid(country: string, portfolio: string): string {
    let taken = issued.get(portfolio);
    if (!taken) issued.set(portfolio, (taken = new Set()));
    const bsuid = generateBsuid(country, random, (candidate) => taken.has(candidate));
    taken.add(bsuid);
    return bsuid;
  }

  /** The user's BSUID in a portfolio, issued on first need (a portfolio added later). */
  function bsuidOf(state: UserState, portfolio: string): string {
    let bsuid = state.bsuids.get(portfolio);
    if (!bsuid) {
      bsuid = issueBsuid(bsuidCountry(state), portfolio);
      state.bsuids.set(portfolio, bsuid);
    }
    return bsuid;
  }

  /** BSUIDs carry the country of the number the user registered with. */
  function bsuidCountry(state: UserState): string {
    return countryOfPhone(state.phone) ?? state.country;
  }

  function phoneTaken(phone: string, except?: UserState): boolean {
    for (const state of users.values()) if (state !== except && state.phone === phone) return true;
    return false;
  }

  function visibilityOf(state: UserState, channel: SimulatorChannel): PhoneVisibility {
    return decidePhoneVisibility({
      username: state.username,
      inContactBook: state.contactBook.has(channel.portfolio),
      lastInteractionAt: state.lastInteraction.get(channel.channelId.toLowerCase()),
      now: clock.now(),
    });
  }

  function view(state: UserState): SimulatedUserView {
    const phoneVisibility: Record<string, PhoneVisibility> = {};
    for (const channel of channels) phoneVisibility[channel.channelId] = visibilityOf(state, channel);
    const lastInteractionByChannel: Record<string, string> = {};
    for (const [channelId, at] of state.lastInteraction) lastInteractionByChannel[channelId] = at.toISOString();
    return {
      id: state.id,
      name: state.name,
      country: state.country,
      phone: state.phone,
      username: state.username,
      inContactBook: [...state.contactBook],
      bsuids: Object.fromEntries(state.bsuids),
      previousBsuids: Object.fromEntries([...state.previousBsuids].map(([p, list]) => [p, [...list]])),
      previousPhones: [...state.previousPhones],
      lastInteractionByChannel,
      phoneVisibility,
      readsMessages: state.readsMessages,
      pendingDeliveryFailures: state.failures.length,
    };
  }

  function record(published: Record<string, unknown>): void {
    events.push(published);
    if (events.length > eventLogSize) events.splice(0, events.length - eventLogSize);
  }

  function findRecipient(
    to: string,
    channel: SimulatorChannel | undefined,
  ): { state: UserState; stale: boolean } | undefined {
    if (isBsuidRecipient(to)) {
      for (const state of users.values()) {
        if (channel && state.bsuids.get(channel.portfolio) === to) return { state, stale: false };
      }
      // A BSUID WhatsApp invalidated (number change) or one of another portfolio: the send cannot be delivered.
      for (const state of users.values()) {
        const all = [...state.bsuids.values(), ...[...state.previousBsuids.values()].flat()];
        if (all.includes(to)) return { state, stale: true };
      }
      return undefined;
    }
    const phone = to.startsWith("+") ? to : `+${to}`;
    for (const state of users.values()) if (state.phone === phone) return { state, stale: false };
    return undefined;
  }

  function publishStatus(
    sent: SentMessageRef,
    status: AcsDeliveryStatus,
    afterMs: number,
    extra: { toBsuid?: string; error?: { channelCode: string; channelMessage: string } },
  ): void {
    const event = createDeliveryStatusEvent(sent, status, {
      ...extra,
      at: new Date(clock.now().getTime() + afterMs),
      topic,
    });
    record(event);
    options.publish([event], afterMs > 0 ? { delayMs: afterMs } : {});
  }

  return {
    channels,
    clock,

    createUser(input = {}) {
      const phone = input.phone === undefined ? undefined : parseSimulatedPhone(input.phone);
      const phoneCountry = phone ? countryOfPhone(phone) : undefined;
      const country = input.country !== undefined ? parseCountry(input.country) : (phoneCountry ?? "GB");
      if (phone && phoneCountry && phoneCountry !== country) {
        throw new SimulatorError(
          400,
          "country_mismatch",
          `phone is a ${phoneCountry} number but country is ${country}`,
        );
      }
      if (phone && phoneTaken(phone)) {
        throw new SimulatorError(409, "phone_taken", "Another simulated user has this phone number");
      }
      const id = `u${nextUser++}`;
      const username =
        input.username === true
          ? `user_${id}`
          : typeof input.username === "string" && input.username.trim() !== ""
            ? input.username.trim()
            : null;
      const contactBook = new Set<string>(
        input.inContactBook === true ? portfolios() : Array.isArray(input.inContactBook) ? input.inContactBook : [],
      );
      const state: UserState = {
        id,
        name: input.name?.trim() || null,
        country,
        phone: phone ?? generatePhone(country, random, (candidate) => phoneTaken(candidate)),
        username,
        contactBook,
        bsuids: new Map(),
        previousBsuids: new Map(),
        previousPhones: [],
        lastInteraction: new Map(),
        lastBusinessMessage: new Map(),
        readsMessages: input.readsMessages !== false,
        failures: [],
      };
      for (const portfolio of portfolios()) bsuidOf(state, portfolio);
      users.set(id, state);
      return view(state);
    },

    getUser: (user) => view(stateOf(user)),

    listUsers: () => [...users.values()].map(view),

    send(user, message, sendOptions = {}) {
      const state = stateOf(user);
      const channel = channelOf(sendOptions.channelId);
      const channelKey = channel.channelId.toLowerCase();
      const bsuid = bsuidOf(state, channel.portfolio);
      // Decided before this message counts as an interaction: a first contact arrives without the phone.
      const visibility = visibilityOf(state, channel);
      const now = clock.now();
      const parts = buildMessageParts(message, {
        businessPhone: channel.businessPhone,
        lastBusinessMessageId: state.lastBusinessMessage.get(channelKey),
        newId: () => randomUUID(),
      });
      if (parts.media) options.addMedia?.(parts.media.id, parts.media.content, parts.media.mimeType);
      const phoneDigits = state.phone.slice(1);
      const sender = visibility.visible ? phoneDigits : bsuid;
      const messageId = randomUUID();
      const event: Record<string, unknown> = {
        id: randomUUID(),
        topic,
        subject: `advancedMessage/sender/${sender}/recipient/${channel.channelId}`,
        data: {
          channelType: "whatsapp",
          to: channel.channelId,
          receivedTimestamp: now.toISOString(),
          messageId,
          messageType: parts.messageType,
          ...parts.data,
          from: visibility.visible ? phoneDigits : "",
          fromBSUID: bsuid,
        },
        eventType: RECEIVED_EVENT_TYPE,
        dataVersion: "1.0",
        metadataVersion: "1",
        eventTime: now.toISOString(),
      };
      state.lastInteraction.set(channelKey, now);
      record(event);
      options.publish([event]);
      return {
        userId: state.id,
        channelId: channel.channelId,
        messageId,
        messageType: parts.messageType,
        phoneShown: visibility.visible,
        visibility,
        event,
      };
    },

    changeNumber(user, phoneInput) {
      const state = stateOf(user);
      const previousPhone = state.phone;
      const phone =
        phoneInput === undefined
          ? generatePhone(
              parseCountry(state.country),
              random,
              (candidate) => candidate === previousPhone || phoneTaken(candidate),
            )
          : parseSimulatedPhone(phoneInput);
      if (phone === previousPhone) throw new SimulatorError(400, "same_phone", "That is the user's current number");
      if (phoneTaken(phone, state)) {
        throw new SimulatorError(409, "phone_taken", "Another simulated user has this phone number");
      }
      state.previousPhones.push(previousPhone);
      state.phone = phone;
      state.country = countryOfPhone(phone) ?? state.country;
      // The new number has no history with any business number, and the Contact Book holds the old one.
      state.lastInteraction.clear();
      state.lastBusinessMessage.clear();
      state.contactBook.clear();
      const changes: NumberChange["bsuids"] = [];
      for (const [portfolio, previous] of [...state.bsuids]) {
        const current = issueBsuid(bsuidCountry(state), portfolio);
        state.bsuids.set(portfolio, current);
        state.previousBsuids.set(portfolio, [...(state.previousBsuids.get(portfolio) ?? []), previous]);
        changes.push({ portfolio, previous, current });
      }
      return { user: view(state), previousPhone, bsuids: changes };
    },

    setInContactBook(user, inContactBook, portfolio) {
      const state = stateOf(user);
      const targets = portfolio === undefined ? portfolios() : [portfolio];
      for (const target of targets) {
        if (inContactBook) state.contactBook.add(target);
        else state.contactBook.delete(target);
      }
      return view(state);
    },

    failNextDeliveryTo(user, error = DEFAULT_DELIVERY_ERROR) {
      stateOf(user).failures.push({ ...error });
    },

    phoneVisibility: (user, channelId) => visibilityOf(stateOf(user), channelOf(channelId)),

    handleBusinessSend(sent) {
      const channel = channels.find((candidate) => candidate.channelId.toLowerCase() === sent.channelId.toLowerCase());
      const found = findRecipient(sent.to, channel);
      const firstDelay = statusSteps[0]?.afterMs ?? 0;
      if (!found) {
        // Someone the simulator does not play: the stack's usual Sent and Delivered.
        const steps = statusSteps.filter((step) => step.status === "Sent" || step.status === "Delivered");
        for (const step of steps) publishStatus(sent, step.status, step.afterMs, {});
        return {
          messageId: sent.messageId,
          userId: undefined,
          outcome: "unknown-recipient",
          statuses: steps.map((s) => s.status),
        };
      }
      const { state, stale } = found;
      const toBsuid = channel ? state.bsuids.get(channel.portfolio) : undefined;
      const failure = stale ? { ...DEFAULT_DELIVERY_ERROR } : state.failures.shift();
      if (failure) {
        if (statusSteps.length > 0)
          publishStatus(sent, "Failed", firstDelay, { error: failure, ...(stale ? {} : toBsuid ? { toBsuid } : {}) });
        return {
          messageId: sent.messageId,
          userId: state.id,
          outcome: "failed",
          statuses: statusSteps.length > 0 ? ["Failed"] : [],
        };
      }
      const channelKey = sent.channelId.toLowerCase();
      state.lastInteraction.set(channelKey, clock.now());
      state.lastBusinessMessage.set(channelKey, sent.messageId);
      const steps = statusSteps.filter((step) => step.status !== "Read" || state.readsMessages);
      for (const step of steps) publishStatus(sent, step.status, step.afterMs, toBsuid ? { toBsuid } : {});
      return {
        messageId: sent.messageId,
        userId: state.id,
        outcome: "delivered",
        statuses: steps.map((s) => s.status),
      };
    },

    events,
  };
}
