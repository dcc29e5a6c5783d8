import { app } from "@azure/functions";
import { getMessage } from "../lib/useCases/http/messageApi";
import { httpHandler } from "./shared/adapters";

export const getMessageHandler = httpHandler(getMessage);

app.http("getMessage", {
  methods: ["GET"],
  authLevel: "function",
  route: "messages/{messageId}",
  handler: getMessageHandler,
});
