import { app } from "@azure/functions";
import { sendMessageApi } from "../lib/useCases/http/sendMessageApi";
import { httpHandler } from "./shared/adapters";

export const sendMessageHandler = httpHandler(sendMessageApi);

app.http("sendMessage", { methods: ["POST"], authLevel: "function", route: "messages", handler: sendMessageHandler });
