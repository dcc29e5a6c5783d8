import { randomUUID } from "node:crypto";
import { EVENT_GRID_WEBHOOK_PATH } from "../host/createLocalHost";
import { EVENT_GRID_RESPONSE_TIMEOUT_MS, type AttemptResult } from "./deliveryPolicy";
import type { Deliver, DeliveryRequest } from "./createLocalEventGridTopic";
import type { LocalSubscription } from "./loadSubscriptions";

/** Delivery to a Functions host over HTTP, as Event Grid delivers to an `AzureFunction` / webhook endpoint. */
export interface FunctionsWebhookDelivery {
  deliver: Deliver;
  /**
   * Event Grid's endpoint validation when a subscription is created: the `SubscriptionValidation` handshake (Event Grid
   * schema) or the CloudEvents `OPTIONS` handshake. Throws when the function's endpoint does not answer it, as Azure
   * refuses to create such a subscription ("Destination endpoint not found").
   */
  validate(subscription: LocalSubscription): Promise<void>;
}

/**
 * Posts deliveries to `<hostUrl>/runtime/webhooks/eventgrid?functionName=<name>` with the headers Event Grid sends
 * (`aeg-event-type: Notification`, `aeg-subscription-name`, `aeg-delivery-count`, `aeg-data-version`,
 * `aeg-metadata-version`), so the local host's Event Grid semantics are exercised exactly as in Azure. An attempt with
 * no response within `timeoutMs` (Event Grid's 30 s) counts as timed out.
 */
export function createFunctionsWebhookDelivery(options: {
  hostUrl: string | (() => string);
  timeoutMs?: number;
}): FunctionsWebhookDelivery {
  const hostUrl = () => (typeof options.hostUrl === "function" ? options.hostUrl() : options.hostUrl);
  const timeoutMs = options.timeoutMs ?? EVENT_GRID_RESPONSE_TIMEOUT_MS;
  const endpoint = (functionName: string) =>
    `${hostUrl()}${EVENT_GRID_WEBHOOK_PATH}?functionName=${encodeURIComponent(functionName)}`;

  async function deliver(request: DeliveryRequest): Promise<AttemptResult> {
    const first = request.events[0] ?? {};
    const headers: Record<string, string> = {
      "aeg-event-type": "Notification",
      "aeg-subscription-name": request.subscription.name.toUpperCase(),
      "aeg-delivery-count": String(request.deliveryCount),
      "content-type":
        request.schema === "CloudEventSchemaV1_0"
          ? "application/cloudevents-batch+json; charset=utf-8"
          : "application/json; charset=utf-8",
    };
    if (request.schema === "EventGridSchema") {
      headers["aeg-data-version"] = typeof first.dataVersion === "string" ? first.dataVersion : "";
      headers["aeg-metadata-version"] = "1";
    }
    try {
      const response = await fetch(endpoint(request.functionName), {
        method: "POST",
        headers,
        body: JSON.stringify(request.events),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, ...(text ? { detail: text.slice(0, 500) } : {}) };
    } catch (error) {
      const timedOut = (error as Error).name === "TimeoutError";
      return { status: 0, timedOut, detail: describeFetchError(error) };
    }
  }

  async function validate(subscription: LocalSubscription): Promise<void> {
    const url = endpoint(subscription.function);
    const fail = (why: string) =>
      new Error(
        `Event subscription "${subscription.name}" cannot deliver to function "${subscription.function}" ` +
          `(${url}): ${why}. Check the function name in the subscriptions file.`,
      );
    let response: Response;
    if (subscription.eventDeliverySchema === "CloudEventSchemaV1_0") {
      try {
        response = await fetch(url, {
          method: "OPTIONS",
          headers: { "WebHook-Request-Origin": "eventgrid.azure.net" },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw fail(describeFetchError(error));
      }
      const text = await response.text();
      if (response.status !== 200 || !response.headers.get("webhook-allowed-origin")) {
        throw fail(`the CloudEvents handshake was answered ${response.status} ${text}`.trim());
      }
      return;
    }
    const code = randomUUID();
    const event = {
      id: randomUUID(),
      topic: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local",
      subject: "",
      data: { validationCode: code },
      eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
      eventTime: new Date().toISOString(),
      metadataVersion: "1",
      dataVersion: "2",
    };
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "aeg-event-type": "SubscriptionValidation", "content-type": "application/json" },
        body: JSON.stringify([event]),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw fail(describeFetchError(error));
    }
    const text = await response.text();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (response.status !== 200 || (answer as { validationResponse?: unknown })?.validationResponse !== code) {
      throw fail(`the validation handshake was answered ${response.status} ${text}`.trim());
    }
  }

  return { deliver, validate };
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
