import {
  createWhatsAppSimulator,
  type DeliveryStatusStep,
  type SimulatorChannel,
  type WhatsAppSimulator,
} from "../../../local/simulator/createWhatsAppSimulator";
import { createSimulatorClock, type SimulatorClock } from "../../../local/simulator/simulatorClock";

export const CHANNEL_A = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
export const CHANNEL_B = "0b5e2c7a-1d3f-4e8a-9b6c-2f1e0d9c8b7a";
/** A channel of another business portfolio. */
export const CHANNEL_C = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";

export const START = Date.parse("2026-11-20T09:00:00.000Z");
export const DAY = 24 * 60 * 60 * 1000;

export interface Published {
  event: Record<string, unknown>;
  delayMs: number | undefined;
}

/** A simulator on a fixed clock whose published events are kept in `published`. */
export function createTestSimulator(
  options: {
    channels?: SimulatorChannel[];
    seed?: number;
    deliveryStatuses?: readonly DeliveryStatusStep[] | false;
  } = {},
): {
  simulator: WhatsAppSimulator;
  clock: SimulatorClock;
  published: Published[];
  media: Map<string, { content: Uint8Array; contentType: string }>;
} {
  const published: Published[] = [];
  const media = new Map<string, { content: Uint8Array; contentType: string }>();
  const clock = createSimulatorClock({ realNow: () => START });
  const simulator = createWhatsAppSimulator({
    channels: options.channels ?? [
      { channelId: CHANNEL_A, portfolio: "brand-a", businessPhone: "15550001110" },
      { channelId: CHANNEL_B, portfolio: "brand-a", businessPhone: "15550001111" },
      { channelId: CHANNEL_C, portfolio: "brand-c", businessPhone: "15550001112" },
    ],
    publish: (events, publishOptions) => {
      for (const event of events) published.push({ event, delayMs: publishOptions?.delayMs });
    },
    clock,
    seed: options.seed ?? 7,
    ...(options.deliveryStatuses === undefined ? {} : { deliveryStatuses: options.deliveryStatuses }),
    addMedia: (id, content, contentType) => media.set(id, { content, contentType }),
  });
  return { simulator, clock, published, media };
}

/** `data` of an event. */
export function dataOf(event: Record<string, unknown>): Record<string, unknown> {
  return event.data as Record<string, unknown>;
}
