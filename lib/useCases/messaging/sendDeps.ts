import { ConfigurationError } from "../../core/errors";
import type { Logger } from "../../core/logging/createLogger";
import type { IdentityStore } from "../../domain/identity/IdentityStore";
import type { MessageLedger } from "../../domain/ledger/MessageLedger";
import type { MessageSender } from "../../domain/messaging/MessageSender";
import type { SendRecordStore } from "../../domain/messaging/SendRecordStore";
import type { TemplateCatalog } from "./createTemplateCatalog";
import type { SendDeps, SendSettings } from "./sendToContact";

/** The outbound channel of a provider: how messages leave, and what its templates are. */
export interface SendingChannel {
  sender: MessageSender;
  templates: TemplateCatalog;
  /** True when the provider runs on this machine (the local emulator), so URLs in messages may name loopback hosts. */
  loopbackUrls?: boolean;
}

/** The ports a use case that may send passes on to {@link sendToContact}; `channel` is absent when sending is off. */
export interface SendingPorts {
  config: SendSettings;
  identityStore: IdentityStore;
  ledger: MessageLedger;
  sends: SendRecordStore;
  channel: SendingChannel | undefined;
  clock: () => Date;
}

/** The dependencies of one send, for one invocation's logger. Throws when no provider is configured for sending. */
export function sendDepsOf(ports: SendingPorts, logger: Logger): SendDeps {
  if (!ports.channel) {
    throw new ConfigurationError(["sending needs ACS_ENDPOINT (Azure, managed identity) or ACS_CONNECTION_STRING"]);
  }
  return {
    config: ports.config,
    identityStore: ports.identityStore,
    ledger: ports.ledger,
    sends: ports.sends,
    sender: ports.channel.sender,
    templates: ports.channel.templates,
    clock: ports.clock,
    logger,
  };
}
