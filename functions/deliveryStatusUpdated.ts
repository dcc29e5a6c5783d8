import { app } from "@azure/functions";
import {
  DELIVERY_STATUS_UPDATED_FUNCTION,
  handleDeliveryStatusUpdated,
} from "../lib/useCases/events/handleDeliveryStatusUpdated";
import { eventHandler } from "./shared/adapters";

/** Event Grid trigger for `Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated`. */
export const deliveryStatusUpdated = eventHandler(handleDeliveryStatusUpdated);

app.eventGrid(DELIVERY_STATUS_UPDATED_FUNCTION, { handler: deliveryStatusUpdated });
