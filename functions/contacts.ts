import { app } from "@azure/functions";
import { findContact, getContact, relinkContactApi } from "../lib/useCases/http/contactApi";
import { httpHandler } from "./shared/adapters";

export const getContactHandler = httpHandler(getContact);
export const findContactHandler = httpHandler(findContact);
export const relinkContactHandler = httpHandler(relinkContactApi);

app.http("getContact", {
  methods: ["GET"],
  authLevel: "function",
  route: "contacts/{contactId}",
  handler: getContactHandler,
});
app.http("findContact", { methods: ["GET"], authLevel: "function", route: "contacts", handler: findContactHandler });
app.http("relinkContact", {
  methods: ["POST"],
  authLevel: "function",
  route: "contacts/{contactId}/relink",
  handler: relinkContactHandler,
});
