import { app, type InvocationContext, type Timer } from "@azure/functions";
import { getAppServices } from "../lib/app/createAppServices";
import { purgeExpired } from "../lib/useCases/retention/purgeExpired";
import { invocationLogger } from "./shared/adapters";

/** Every hour: one bounded step of purging what is past its retention (see the RETAIN_* settings). */
export async function purgeExpiredTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = await getAppServices();
  await purgeExpired(services.retention, invocationLogger(context));
}

app.timer("purgeExpired", { schedule: "0 17 * * * *", handler: purgeExpiredTimer });
