import { app } from "@azure/functions";
import { checkHealth } from "../lib/http/checkHealth";
import { httpHandler } from "./shared/adapters";

export const healthHandler = httpHandler((services) => checkHealth(services.tables));

app.http("health", { methods: ["GET"], authLevel: "function", route: "health", handler: healthHandler });
