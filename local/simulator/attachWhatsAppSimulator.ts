import type { CountryCode } from "libphonenumber-js";
import { startApp, type AppServices } from "../../lib/app/createAppServices";
import type { AppConfig } from "../../lib/app/loadConfig";
import type { ChannelId } from "../../lib/core/values/ChannelId";
import { importContacts, parseContactsCsv } from "../../lib/useCases/identity/importContacts";
import { silentLogger } from "../../lib/core/logging/createLogger";
import { parseScope } from "../../lib/core/values/identifiers";
import { LOCAL_CHANNEL_ID, startLocalStack, type LocalStack, type LocalStackOptions } from "../stack/startLocalStack";
import {
  SIMULATOR_DELIVERY_STATUSES,
  createWhatsAppSimulator,
  type DeliveryStatusStep,
  type SimulatorChannel,
  type WhatsAppSimulator,
} from "./createWhatsAppSimulator";
import {
  SIMULATOR_BODY_TYPES,
  SIMULATOR_PATH,
  createSimulatorHttpHandler,
  type CrmImportReport,
} from "./createSimulatorHttpHandler";
import { SimulatorError, parseCountry } from "./identities";
import type { SimulatorClock } from "./simulatorClock";

/** Settings of {@link attachWhatsAppSimulator}. */
export interface AttachSimulatorOptions {
  /** Makes BSUIDs and generated numbers repeatable. */
  seed?: number;
  /** Statuses for business sends to simulated users; {@link SIMULATOR_DELIVERY_STATUSES} when omitted. */
  deliveryStatuses?: readonly DeliveryStatusStep[] | false;
  clock?: SimulatorClock;
  /** Business numbers (digits) per channel, for `context.from`; `1555000111n` when omitted. */
  businessPhones?: Record<string, string>;
}

/** A simulator serving at `/simulator` on a local stack. */
export interface AttachedSimulator {
  readonly simulator: WhatsAppSimulator;
  /** `http://127.0.0.1:PORT/simulator`. */
  readonly url: string;
  /** Stops listening to the emulator and unmounts the HTTP API (the stack keeps running). */
  detach(): void;
}

/**
 * The business numbers the stack serves, as the app reads them from its settings: the configured channels (else the
 * local channel), each in the portfolio (scope) the app gives it, so the simulator's BSUIDs are scoped the way the app
 * scopes its identity map.
 */
export function simulatorChannels(config: AppConfig, businessPhones: Record<string, string> = {}): SimulatorChannel[] {
  const ids: string[] = config.messaging.channelIds.length > 0 ? [...config.messaging.channelIds] : [LOCAL_CHANNEL_ID];
  return ids.map((channelId, index) => ({
    channelId,
    portfolio: config.scopeByChannel.get(channelId as ChannelId) ?? config.defaultScope,
    businessPhone: businessPhones[channelId] ?? `1555000111${index}`,
  }));
}

/**
 * Puts a {@link WhatsAppSimulator} on a running local stack: users write through the stack's topic, their media are
 * served by the ACS emulator, every send the emulator accepts is fed to the simulator (an interaction on that business
 * number, then delivery statuses), and the HTTP API is mounted at `/simulator` on the host.
 *
 * The simulator publishes the delivery statuses itself (with `toBSUID` for phone sends, `Read`, failures on request),
 * so start the stack with `deliveryStatuses: false` (see {@link startLocalStackWithSimulator}) or every send gets its
 * statuses twice.
 */
export function attachWhatsAppSimulator(stack: LocalStack, options: AttachSimulatorOptions = {}): AttachedSimulator {
  const emulator = stack.emulator;
  const simulator = createWhatsAppSimulator({
    channels: simulatorChannels(stack.config, options.businessPhones),
    publish: (events, publishOptions) => stack.topic.publish(events, publishOptions),
    deliveryStatuses: options.deliveryStatuses ?? SIMULATOR_DELIVERY_STATUSES,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(emulator ? { addMedia: (id, content, type) => emulator.addMedia(id, content, type) } : {}),
  });
  const stopListening = emulator?.onSent((sent) => void simulator.handleBusinessSend(sent));

  let services: Promise<AppServices> | undefined;
  const appServices = () =>
    (services ??= startApp({ config: stack.config }).catch((error: unknown) => {
      services = undefined;
      throw error;
    }));

  const unmount = stack.host.addMount({
    path: SIMULATOR_PATH,
    prefix: true,
    description: "The WhatsApp user simulator",
    bodyTypes: SIMULATOR_BODY_TYPES,
    handle: createSimulatorHttpHandler({
      simulator,
      waitForIdle: () => stack.topic.waitForIdle(),
      importContacts: async (csv, importOptions): Promise<CrmImportReport> => {
        const country = importOptions.country ? parseCountry(importOptions.country) : undefined;
        const app = await appServices();
        let scope;
        try {
          scope = importOptions.scope ? parseScope(importOptions.scope, "scope") : app.config.defaultScope;
        } catch (error) {
          throw new SimulatorError(400, "invalid_scope", (error as Error).message);
        }
        // The code path of `npm run contacts:import`.
        const { rows, problems } = parseContactsCsv(csv, country as CountryCode | undefined);
        const report = await importContacts({ store: app.identityStore, logger: silentLogger }, scope, rows);
        return {
          scope,
          created: report.created,
          updated: report.updated,
          unchanged: report.unchanged,
          problems: [...problems, ...report.problems].sort((a, b) => a.line - b.line),
        };
      },
    }),
  });

  return {
    simulator,
    url: `${stack.urls.host}${SIMULATOR_PATH}`,
    detach() {
      stopListening?.();
      unmount();
    },
  };
}

/** A local stack with the simulator attached. */
export interface SimulatorStack extends AttachedSimulator {
  readonly stack: LocalStack;
  /** Detaches the simulator and stops the stack. */
  close(): Promise<void>;
}

/**
 * Starts a local stack (see `startLocalStack`) whose delivery statuses come from the simulator, and attaches it. Takes
 * the stack's options plus `simulator` ({@link AttachSimulatorOptions}).
 */
export async function startLocalStackWithSimulator(
  options: Omit<LocalStackOptions, "deliveryStatuses"> & { simulator?: AttachSimulatorOptions } = {},
): Promise<SimulatorStack> {
  const { simulator: simulatorOptions, ...stackOptions } = options;
  const stack = await startLocalStack({ ...stackOptions, deliveryStatuses: false });
  try {
    const attached = attachWhatsAppSimulator(stack, simulatorOptions);
    return {
      ...attached,
      stack,
      async close() {
        attached.detach();
        await stack.close();
      },
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
