import { app } from "@azure/functions";
import { getMessage } from "../lib/useCases/http/messageApi";
import { apiAuthLevel, httpHandler } from "./shared/adapters";

export const getMessageHandler = httpHandler(getMessage);

app.http("getMessage", {
  methods: ["GET"],
  authLevel: apiAuthLevel(),
  route: "messages/{messageId}",
  handler: getMessageHandler,
});
