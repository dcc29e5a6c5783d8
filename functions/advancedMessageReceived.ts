import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import { getAppServices } from "../lib/app/createAppServices";
import {
  ADVANCED_MESSAGE_RECEIVED_FUNCTION,
  handleAdvancedMessageReceived,
} from "../lib/useCases/events/handleAdvancedMessageReceived";
import { invocationLogger } from "./shared/adapters";

/** Event Grid trigger for `Microsoft.Communication.AdvancedMessageReceived` (Event Grid or CloudEvents schema). */
export async function advancedMessageReceived(
  event: EventGridEvent | object,
  context: InvocationContext,
): Promise<void> {
  await handleAdvancedMessageReceived(await getAppServices(), event, invocationLogger(context));
}

app.eventGrid(ADVANCED_MESSAGE_RECEIVED_FUNCTION, { handler: advancedMessageReceived });
