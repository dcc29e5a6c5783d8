import type { QueueClient, StoragePipelineOptions } from "@azure/storage-queue";
import { TransientError, ValidationError } from "../../core/errors";
import { createCredential } from "../credentials/createCredential";
import { currentDeadline } from "../../core/deadline";
import { isTimeout } from "../timeouts/timeoutPolicies";
import {
  encodeForwardMessage,
  fitsInQueueMessage,
  MAX_QUEUE_MESSAGE_BYTES,
  type ForwardQueue,
} from "../../domain/routing/ForwardQueue";

/** Where forwarded messages go: a connection string (local, Azurite) or a queue service URI with a managed identity. */
export type ForwardQueueConfig =
  | { kind: "connectionString"; connectionString: string; queueName: string }
  | { kind: "serviceUri"; serviceUri: string; queueName: string; managedIdentityClientId: string | undefined };

/** The queue name used when `FORWARD_QUEUE_NAME` is not set. */
export const DEFAULT_FORWARD_QUEUE_NAME = "inbound-messages";

/**
 * The forward queue for `config`. The queue is created on first use if missing (once per process; a failure is retried
 * on the next send). With a managed identity the app needs Storage Queue Data Contributor; if it may not create
 * queues (403), sending still goes ahead, for a queue that infrastructure created.
 */
export function createForwardQueue(config: ForwardQueueConfig, options: StoragePipelineOptions = {}): ForwardQueue {
  // Loaded here, not at start-up: only deployments with a forward queue pay for it (the app's cold start is measured).
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deferred load, see above
  const storage = require("@azure/storage-queue") as typeof import("@azure/storage-queue");
  const client: QueueClient =
    config.kind === "connectionString"
      ? new storage.QueueClient(config.connectionString, config.queueName, options)
      : new storage.QueueServiceClient(
          config.serviceUri,
          createCredential(config.managedIdentityClientId),
          options,
        ).getQueueClient(config.queueName);
  let created: Promise<void> | undefined;
  const ensure = (): Promise<void> => {
    if (!created) {
      created = client.createIfNotExists({ abortSignal: currentDeadline() }).then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof storage.RestError && error.statusCode === 403) return undefined;
          throw error;
        },
      );
      created.catch(() => (created = undefined));
    }
    return created;
  };
  return {
    queueName: config.queueName,
    async send(message) {
      // Other parts than the content (captions) are bounded far below this by WhatsApp; if one is not, retrying can
      // never help, so the refusal is permanent and the route records it instead of Event Grid retrying for a day.
      if (!fitsInQueueMessage(message)) {
        throw new ValidationError(`the forward message is larger than the queue's ${MAX_QUEUE_MESSAGE_BYTES} bytes`, {
          code: "forward_too_large",
        });
      }
      try {
        await ensure();
        await client.sendMessage(encodeForwardMessage(message), { abortSignal: currentDeadline() });
      } catch (error) {
        const timedOut = isTimeout(error);
        throw new TransientError(
          `Storage Queue send to ${config.queueName} ${timedOut ? "did not answer in time" : "failed"}`,
          { code: timedOut ? "queue_timeout" : "queue_unavailable", cause: error },
        );
      }
    },
  };
}
