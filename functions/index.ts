// The app's entry point: importing each file registers its triggers with the Functions host. The build bundles this
// file (and everything it imports) into dist/main.js, which package.json's `main` names.
import "./advancedMessageReceived";
import "./deliveryStatusUpdated";
import "./contacts";
import "./messages";
import "./sendMessage";
import "./health";
