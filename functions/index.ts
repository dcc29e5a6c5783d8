// The app's entry point: importing each file registers its triggers with the Functions host. The build bundles this
// file (and everything it imports) into dist/main.js, which package.json's `main` names.
import "./advancedMessageReceived";
import "./deliveryStatusUpdated";
import "./contacts";
import "./messages";
import "./sendMessage";
import "./health";
import "./finishErasures";
import "./purgeExpired";
import { getStartupConfig } from "../lib/app/createAppServices";

// Settings are checked as the worker loads the app, so a deployment with bad settings says why in its start-up log at
// once. Loading still succeeds: every invocation then fails fast with the same error (Event Grid keeps redelivering
// the events until the settings are fixed), and GET /api/health answers 503 naming the problems.
try {
  getStartupConfig();
} catch (error) {
  console.error(`${(error as Error).message}. Every function fails until this is fixed; GET /api/health lists it.`);
}
