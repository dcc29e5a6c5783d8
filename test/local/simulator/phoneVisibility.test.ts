import { describe, expect, it } from "vitest";
import {
  PHONE_VISIBILITY_WINDOW_MS,
  decidePhoneVisibility,
  type CreateUserInput,
} from "../../../local/simulator/createWhatsAppSimulator";
import { CHANNEL_A, CHANNEL_B, CHANNEL_C, DAY, START, createTestSimulator, dataOf } from "./support";

const NOW = new Date(START);

describe("decidePhoneVisibility", () => {
  it.each([
    {
      when: "the user has no username, even without any interaction",
      facts: { username: null, inContactBook: false, lastInteractionAt: undefined },
      visible: true,
      rule: "no-username",
    },
    {
      when: "a username user is in the Contact Book",
      facts: { username: "ana", inContactBook: true, lastInteractionAt: undefined },
      visible: true,
      rule: "contact-book",
    },
    {
      when: "a username user's last interaction was exactly 30 days ago",
      facts: { username: "ana", inContactBook: false, lastInteractionAt: new Date(START - PHONE_VISIBILITY_WINDOW_MS) },
      visible: true,
      rule: "recent-interaction",
    },
    {
      when: "a username user's last interaction was 30 days and a millisecond ago",
      facts: {
        username: "ana",
        inContactBook: false,
        lastInteractionAt: new Date(START - PHONE_VISIBILITY_WINDOW_MS - 1),
      },
      visible: false,
      rule: "hidden",
    },
    {
      when: "a username user never interacted and is not in the Contact Book",
      facts: { username: "ana", inContactBook: false, lastInteractionAt: undefined },
      visible: false,
      rule: "hidden",
    },
  ])("shows the phone: $visible when $when", ({ facts, visible, rule }) => {
    const decision = decidePhoneVisibility({ ...facts, now: NOW });
    expect(decision).toMatchObject({ visible, rule });
    expect(decision.reason).not.toBe("");
  });
});

/** A user, what happened before on which channel, and what the next message to channel A must carry. */
interface VisibilityCase {
  name: string;
  user: CreateUserInput;
  history: (ctx: Context) => void;
  phoneShown: boolean;
}

interface Context {
  simulator: ReturnType<typeof createTestSimulator>["simulator"];
  clock: ReturnType<typeof createTestSimulator>["clock"];
  userId: string;
}

/** A business send to the user, as the ACS emulator reports it. */
function businessSends(ctx: Context, channelId: string, to: "phone" | "bsuid"): void {
  const user = ctx.simulator.getUser(ctx.userId);
  const portfolio = ctx.simulator.channels.find((c) => c.channelId === channelId)!.portfolio;
  ctx.simulator.handleBusinessSend({
    messageId: `out-${Math.random().toString(16).slice(2)}`,
    channelId,
    to: to === "phone" ? user.phone : user.bsuids[portfolio]!,
  });
}

const CASES: VisibilityCase[] = [
  {
    name: "shows the phone when the user has no username, 31 days after their last message",
    user: { country: "GB" },
    history: (ctx) => {
      ctx.simulator.send(ctx.userId, { type: "text", text: "hi" });
      ctx.clock.advance(31 * DAY);
    },
    phoneShown: true,
  },
  {
    name: "shows the phone when a username user is in the Contact Book and never wrote before",
    user: { country: "GB", username: "ana", inContactBook: true },
    history: () => undefined,
    phoneShown: true,
  },
  {
    name: "shows the phone when the business messaged a username user 29 days ago",
    user: { country: "GB", username: "ana" },
    history: (ctx) => {
      businessSends(ctx, CHANNEL_A, "bsuid");
      ctx.clock.advance(29 * DAY);
    },
    phoneShown: true,
  },
  {
    name: "shows the phone when the business messaged a username user's phone 10 days ago",
    user: { country: "GB", username: "ana" },
    history: (ctx) => {
      businessSends(ctx, CHANNEL_A, "phone");
      ctx.clock.advance(10 * DAY);
    },
    phoneShown: true,
  },
  {
    name: "shows the phone when a username user wrote to the same number 3 days ago",
    user: { country: "GB", username: "ana" },
    history: (ctx) => {
      ctx.simulator.send(ctx.userId, { type: "text", text: "first" });
      ctx.clock.advance(3 * DAY);
    },
    phoneShown: true,
  },
  {
    name: "hides the phone when a username user's last interaction was 31 days ago and they are not in the Contact Book",
    user: { country: "GB", username: "ana", inContactBook: false },
    history: (ctx) => {
      ctx.simulator.send(ctx.userId, { type: "text", text: "first" });
      businessSends(ctx, CHANNEL_A, "bsuid");
      ctx.clock.advance(31 * DAY);
    },
    phoneShown: false,
  },
  {
    name: "hides the phone when a username user writes to a business number for the first time",
    user: { country: "GB", username: "ana" },
    history: () => undefined,
    phoneShown: false,
  },
  {
    name: "hides the phone on channel A when the username user only interacted on channel B yesterday",
    user: { country: "GB", username: "ana" },
    history: (ctx) => {
      ctx.simulator.send(ctx.userId, { type: "text", text: "to B" }, { channelId: CHANNEL_B });
      businessSends(ctx, CHANNEL_B, "phone");
      ctx.clock.advance(DAY);
    },
    phoneShown: false,
  },
  {
    name: "hides the phone on channel A when the username user is only in another portfolio's Contact Book",
    user: { country: "GB", username: "ana", inContactBook: ["brand-c"] },
    history: () => undefined,
    phoneShown: false,
  },
];

describe("the simulator's phone visibility per business number", () => {
  it.each(CASES)("$name", ({ user, history, phoneShown }) => {
    const { simulator, clock } = createTestSimulator();
    const created = simulator.createUser(user);
    history({ simulator, clock, userId: created.id });

    const sent = simulator.send(created.id, { type: "text", text: "now" }, { channelId: CHANNEL_A });
    const data = dataOf(sent.event);
    const bsuid = created.bsuids["brand-a"]!;
    expect(sent.phoneShown).toBe(phoneShown);
    expect(data.fromBSUID).toBe(bsuid);
    if (phoneShown) {
      expect(data.from).toBe(created.phone.slice(1));
      expect(sent.event.subject).toBe(`advancedMessage/sender/${created.phone.slice(1)}/recipient/${CHANNEL_A}`);
    } else {
      expect(data.from).toBe("");
      expect(sent.event.subject).toBe(`advancedMessage/sender/${bsuid}/recipient/${CHANNEL_A}`);
    }
  });

  it("reveals the phone on channel B only after an interaction there, while channel A keeps showing it", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ country: "GB", username: "ana" });
    expect(simulator.send(user.id, { type: "text", text: "a1" }, { channelId: CHANNEL_A }).phoneShown).toBe(false);
    expect(simulator.send(user.id, { type: "text", text: "a2" }, { channelId: CHANNEL_A }).phoneShown).toBe(true);
    expect(simulator.send(user.id, { type: "text", text: "b1" }, { channelId: CHANNEL_B }).phoneShown).toBe(false);
    expect(simulator.getUser(user.id).phoneVisibility).toMatchObject({
      [CHANNEL_A]: { visible: true, rule: "recent-interaction" },
      [CHANNEL_B]: { visible: true, rule: "recent-interaction" },
      [CHANNEL_C]: { visible: false, rule: "hidden" },
    });
  });

  it("hides the phone again when the clock moves 31 days past the last interaction", () => {
    const { simulator, clock } = createTestSimulator();
    const user = simulator.createUser({ country: "GB", username: "ana" });
    simulator.send(user.id, { type: "text", text: "first" });
    expect(simulator.phoneVisibility(user.id, CHANNEL_A).visible).toBe(true);
    clock.advance(31 * DAY);
    const later = simulator.send(user.id, { type: "text", text: "a month later" });
    expect(later.phoneShown).toBe(false);
    expect(dataOf(later.event).receivedTimestamp).toBe(new Date(START + 31 * DAY).toISOString());
  });

  it("does not count a failed business send as an interaction", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ country: "GB", username: "ana" });
    simulator.failNextDeliveryTo(user.id);
    simulator.handleBusinessSend({ messageId: "m-1", channelId: CHANNEL_A, to: user.bsuids["brand-a"]! });
    expect(simulator.phoneVisibility(user.id, CHANNEL_A).visible).toBe(false);
  });

  it("shows the phone when the user is added to the Contact Book later, and hides it when removed", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ country: "GB", username: "ana" });
    simulator.setInContactBook(user.id, true, "brand-a");
    expect(simulator.phoneVisibility(user.id, CHANNEL_A).rule).toBe("contact-book");
    expect(simulator.phoneVisibility(user.id, CHANNEL_C).visible).toBe(false);
    simulator.setInContactBook(user.id, false);
    expect(simulator.phoneVisibility(user.id, CHANNEL_A).visible).toBe(false);
  });
});
