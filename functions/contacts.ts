import { app } from "@azure/functions";
import { findContact, getContact, relinkContactApi } from "../lib/useCases/http/contactApi";
import { eraseByIdentifierApi, eraseContactApi } from "../lib/useCases/http/erasureApi";
import { apiAuthLevel, httpHandler } from "./shared/adapters";

export const getContactHandler = httpHandler(getContact);
export const findContactHandler = httpHandler(findContact);
export const relinkContactHandler = httpHandler(relinkContactApi);
export const eraseContactHandler = httpHandler((services, request, logger) =>
  eraseContactApi(services.erasure, request, logger),
);
export const eraseByIdentifierHandler = httpHandler((services, request, logger) =>
  eraseByIdentifierApi(services.erasure, request, logger),
);

app.http("getContact", {
  methods: ["GET"],
  authLevel: apiAuthLevel(),
  route: "contacts/{contactId}",
  handler: getContactHandler,
});
app.http("findContact", {
  methods: ["GET"],
  authLevel: apiAuthLevel(),
  route: "contacts",
  handler: findContactHandler,
});
app.http("relinkContact", {
  methods: ["POST"],
  authLevel: apiAuthLevel(),
  route: "contacts/{contactId}/relink",
  handler: relinkContactHandler,
});
app.http("eraseContact", {
  methods: ["DELETE"],
  authLevel: apiAuthLevel(),
  route: "contacts/{contactId}",
  handler: eraseContactHandler,
});
app.http("eraseContactByIdentifier", {
  methods: ["DELETE"],
  authLevel: apiAuthLevel(),
  route: "contacts",
  handler: eraseByIdentifierHandler,
});
