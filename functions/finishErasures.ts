import { app, type InvocationContext, type Timer } from "@azure/functions";
import { getAppServices } from "../lib/app/createAppServices";
import { finishErasures } from "../lib/useCases/erasure/eraseContact";
import { invocationLogger } from "./shared/adapters";

/**
 * Every five minutes: finishes erasures that were interrupted, and sweeps the ledger of finished ones once more after
 * events that were in flight during the erasure have ended.
 */
export async function finishErasuresTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = await getAppServices();
  await finishErasures(services.erasure, invocationLogger(context));
}

app.timer("finishErasures", { schedule: "0 */5 * * * *", handler: finishErasuresTimer });
