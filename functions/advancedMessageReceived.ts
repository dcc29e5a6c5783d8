import { app } from "@azure/functions";
import {
  ADVANCED_MESSAGE_RECEIVED_FUNCTION,
  handleAdvancedMessageReceived,
} from "../lib/useCases/events/handleAdvancedMessageReceived";
import { eventHandler } from "./shared/adapters";

/** Event Grid trigger for `Microsoft.Communication.AdvancedMessageReceived` (Event Grid or CloudEvents schema). */
export const advancedMessageReceived = eventHandler(handleAdvancedMessageReceived);

app.eventGrid(ADVANCED_MESSAGE_RECEIVED_FUNCTION, { handler: advancedMessageReceived });
