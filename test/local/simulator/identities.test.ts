import { getCountryCallingCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import {
  SIMULATED_BSUID_PATTERN,
  SimulatorError,
  createRandom,
  generateBsuid,
  generatePhone,
} from "../../../local/simulator/identities";
import { isBsuid } from "../../../lib/core/values/Bsuid";
import { CHANNEL_A, DAY, createTestSimulator, dataOf } from "./support";

describe("simulated BSUIDs", () => {
  it("issues {country}.{digits} BSUIDs the app accepts, with the user's country, when users are created", () => {
    const { simulator } = createTestSimulator();
    for (const country of ["GB", "US", "IN", "BR", "DE"]) {
      const user = simulator.createUser({ country });
      for (const bsuid of Object.values(user.bsuids)) {
        expect(bsuid).toMatch(SIMULATED_BSUID_PATTERN);
        expect(bsuid).toMatch(new RegExp(`^${country}\\.[1-9][0-9]{13,19}$`));
        expect(isBsuid(bsuid)).toBe(true);
      }
    }
  });

  it("gives a user one BSUID per portfolio, different in each, when several portfolios are served", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ country: "GB" });
    expect(Object.keys(user.bsuids).sort()).toEqual(["brand-a", "brand-c"]);
    expect(user.bsuids["brand-a"]).not.toBe(user.bsuids["brand-c"]);
    // Two channels of one portfolio see the same BSUID.
    const a = simulator.send(user.id, { type: "text", text: "a" }, { channelId: CHANNEL_A });
    const b = simulator.send(
      user.id,
      { type: "text", text: "b" },
      { channelId: "0b5e2c7a-1d3f-4e8a-9b6c-2f1e0d9c8b7a" },
    );
    expect(dataOf(a.event).fromBSUID).toBe(dataOf(b.event).fromBSUID);
  });

  it("never issues the same BSUID twice in a portfolio when the random source repeats itself", () => {
    let calls = 0;
    // The same digits for the first 50 draws, then fresh ones: uniqueness must come from the check, not luck.
    const repeating = () => (calls++ < 50 ? 0.5 : createRandom(calls)());
    const taken = new Set<string>();
    const first = generateBsuid("GB", repeating, (b) => taken.has(b));
    taken.add(first);
    const second = generateBsuid("GB", repeating, (b) => taken.has(b));
    expect(second).not.toBe(first);
  });

  it("keeps 500 users' BSUIDs and phones unique within each portfolio when drawn from one source", () => {
    const { simulator } = createTestSimulator();
    const users = Array.from({ length: 500 }, () => simulator.createUser({ country: "US" }));
    for (const portfolio of ["brand-a", "brand-c"]) {
      expect(new Set(users.map((u) => u.bsuids[portfolio])).size).toBe(500);
    }
    expect(new Set(users.map((u) => u.phone)).size).toBe(500);
  });

  it("draws the same BSUIDs when seeded the same, and works unseeded", () => {
    const one = createTestSimulator({ seed: 42 }).simulator.createUser({ phone: "+447700900111" });
    const two = createTestSimulator({ seed: 42 }).simulator.createUser({ phone: "+447700900111" });
    expect(one.bsuids).toEqual(two.bsuids);
    const unseeded = createRandom();
    const values = Array.from({ length: 100 }, unseeded);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBe(100);
  });
});

describe("simulated phone numbers", () => {
  it.each(["GB", "US", "CA", "IN", "BR", "DE", "MX", "NG"])(
    "makes up a valid, unused %s mobile number when none is given",
    (country) => {
      const random = createRandom(3);
      const taken = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const phone = generatePhone(country as never, random, (p) => taken.has(p));
        expect(taken.has(phone)).toBe(false);
        taken.add(phone);
        const parsed = parsePhoneNumberFromString(phone);
        expect(parsed?.isPossible()).toBe(true);
        expect(parsed?.countryCallingCode).toBe(getCountryCallingCode(country as never));
        // Drama ranges (GB, NANP 555-01xx) are fictitious on purpose; the others are valid numbers of the country.
        if (!["GB", "US", "CA"].includes(country)) expect(parsed?.country).toBe(country);
      }
    },
  );

  it("uses the drama ranges for GB and NANP numbers", () => {
    const random = createRandom(9);
    expect(generatePhone("GB", random, () => false)).toMatch(/^\+447700900\d{3}$/);
    expect(generatePhone("US", random, () => false)).toMatch(/^\+1\d{3}55501\d{2}$/);
  });

  it("refuses a second user with the same phone, and a phone of another country than the one given", () => {
    const { simulator } = createTestSimulator();
    simulator.createUser({ phone: "+447700900123" });
    expect(() => simulator.createUser({ phone: "447700900123" })).toThrow(SimulatorError);
    expect(() => simulator.createUser({ phone: "+447700900124", country: "US" })).toThrow(/GB number/);
    expect(() => simulator.createUser({ phone: "not a phone" })).toThrow(/international phone number/);
  });
});

describe("a phone-number change", () => {
  it("issues a new BSUID in every portfolio and keeps the old ones as invalidated when the user changes number", () => {
    const { simulator } = createTestSimulator();
    const before = simulator.createUser({ phone: "+447700900101" });
    const change = simulator.changeNumber(before.id, "+447700900199");
    expect(change.previousPhone).toBe("+447700900101");
    expect(change.user.phone).toBe("+447700900199");
    for (const portfolio of ["brand-a", "brand-c"]) {
      const entry = change.bsuids.find((b) => b.portfolio === portfolio)!;
      expect(entry.previous).toBe(before.bsuids[portfolio]);
      expect(entry.current).not.toBe(entry.previous);
      expect(entry.current).toMatch(/^GB\.\d+$/);
      expect(change.user.bsuids[portfolio]).toBe(entry.current);
      expect(change.user.previousBsuids[portfolio]).toEqual([entry.previous]);
    }
    const after = simulator.send(before.id, { type: "text", text: "new number" });
    expect(dataOf(after.event)).toMatchObject({ from: "447700900199", fromBSUID: change.user.bsuids["brand-a"] });
  });

  it("hides a username user's phone again when they change number after recent interactions", () => {
    const { simulator, clock } = createTestSimulator();
    const user = simulator.createUser({ country: "GB", username: "ana", inContactBook: true });
    simulator.send(user.id, { type: "text", text: "hi" });
    clock.advance(DAY);
    simulator.changeNumber(user.id);
    const after = simulator.send(user.id, { type: "text", text: "hi from my new number" });
    expect(after.phoneShown).toBe(false);
    expect(after.event.subject).toBe(
      `advancedMessage/sender/${simulator.getUser(user.id).bsuids["brand-a"]}/recipient/${CHANNEL_A}`,
    );
  });

  it("takes the BSUID country from the new number when the user moves to another country's number", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ phone: "+447700900101" });
    const change = simulator.changeNumber(user.id, "+12015550123");
    expect(change.user.country).toBe("US");
    expect(change.bsuids.every((b) => b.current.startsWith("US."))).toBe(true);
  });

  it("refuses the current number and another user's number", () => {
    const { simulator } = createTestSimulator();
    const user = simulator.createUser({ phone: "+447700900101" });
    simulator.createUser({ phone: "+447700900102" });
    expect(() => simulator.changeNumber(user.id, "+447700900101")).toThrow(/current number/);
    expect(() => simulator.changeNumber(user.id, "+447700900102")).toThrow(/Another simulated user/);
    expect(() => simulator.changeNumber("u99")).toThrow(/No simulated user/);
  });
});
