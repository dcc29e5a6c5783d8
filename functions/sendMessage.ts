import { app } from "@azure/functions";
import { sendMessageApi } from "../lib/useCases/http/sendMessageApi";
import { apiAuthLevel, httpHandler } from "./shared/adapters";

export const sendMessageHandler = httpHandler(sendMessageApi);

app.http("sendMessage", {
  methods: ["POST"],
  authLevel: apiAuthLevel(),
  route: "messages",
  handler: sendMessageHandler,
});
