import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import { getAppServices } from "../lib/app/createAppServices";
import {
  DELIVERY_STATUS_UPDATED_FUNCTION,
  handleDeliveryStatusUpdated,
} from "../lib/useCases/events/handleDeliveryStatusUpdated";
import { invocationLogger } from "./shared/adapters";

/** Event Grid trigger for `Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated`. */
export async function deliveryStatusUpdated(event: EventGridEvent | object, context: InvocationContext): Promise<void> {
  await handleDeliveryStatusUpdated(await getAppServices(), event, invocationLogger(context));
}

app.eventGrid(DELIVERY_STATUS_UPDATED_FUNCTION, { handler: deliveryStatusUpdated });
