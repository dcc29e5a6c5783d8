import { randomUUID } from "node:crypto";
import type { LogSink } from "../../lib/core/logging/createLogger";
import type { ChannelId } from "../../lib/core/values/ChannelId";

/** The channel every ACS emulator test registers. */
export const TEST_CHANNEL_ID = "0f0eb78e-a576-4dfc-b414-0f0756de3338" as ChannelId;
/** A channel no emulator registers. */
export const UNKNOWN_CHANNEL_ID = "99999999-9999-4999-8999-999999999999" as ChannelId;
export const TEST_PHONE = "+14255551234";
export const TEST_BSUID = "US.13491208655302741918";
export const TEST_PARENT_BSUID = "US.ENT.11815799212886844830";

/** Fresh repeatability headers for one logical send. */
export function repeatability(): { repeatabilityRequestId: string; repeatabilityFirstSent: Date } {
  return { repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: new Date() };
}

/** A log sink keeping every line, to assert what was (not) logged. */
export function createMemorySink(): LogSink & { lines: string[] } {
  const lines: string[] = [];
  const push = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  return { lines, debug: push, info: push, warn: push, error: push };
}
