import type { InboundMessage } from "../../../events/types";

const MAX_SUMMARY_LENGTH = 200;
/** How much of a text the summary looks at, so a 1 MB message costs no more to summarise than a short one. */
const SUMMARY_SCAN_LENGTH = 4 * MAX_SUMMARY_LENGTH;
const MEDIA_MESSAGE_TYPES: ReadonlySet<string> = new Set(["image", "document", "video", "audio", "sticker"]);
/** Control characters, line/paragraph separators and bidi overrides: a summary must stay one honest line in logs. */
// eslint-disable-next-line no-control-regex
const UNSAFE_SUMMARY_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

type SummaryInput = Pick<InboundMessage, "messageType" | "content" | "media" | "button" | "interactive" | "reaction">;

/** One short, log-safe line describing what the person sent, for previews and logs. */
export function summariseMessage(message: SummaryInput): string {
  const { messageType, content, media, button, interactive, reaction } = message;
  if (messageType === "text") return oneLine(content ?? "") || "[text]";
  if (MEDIA_MESSAGE_TYPES.has(messageType)) {
    const detail = media?.caption ?? (messageType === "document" ? media?.fileName : undefined);
    return labelled(`[${messageType}]`, detail);
  }
  if (messageType === "reaction") {
    if (reaction === undefined) return "[reaction]";
    return reaction.emoji === undefined ? "[reaction removed]" : labelled("[reaction]", reaction.emoji);
  }
  if (messageType === "button") return labelled("[button]", button?.text ?? button?.payload);
  if (messageType === "interactive") return summariseInteractive(interactive);
  // A type this code does not know yet: say what it is, and show its text if it has any.
  return labelled(`[${oneLine(messageType.slice(0, 40))}]`, content ?? media?.caption);
}

/** `type` says which reply counts; which reply object is present is only the fallback (`type` is optional). */
function summariseInteractive(interactive: InboundMessage["interactive"]): string {
  const buttonReply = interactive?.buttonReply;
  const listReply = interactive?.listReply;
  const buttonTitle = buttonReply?.title ?? buttonReply?.id;
  const listTitle = listReply?.title ?? listReply?.id;
  if (interactive?.type?.toLowerCase() === "listreply" && listTitle !== undefined) {
    return labelled("[list reply]", listTitle);
  }
  if (buttonTitle !== undefined) return labelled("[button reply]", buttonTitle);
  if (listTitle !== undefined) return labelled("[list reply]", listTitle);
  if (listReply !== undefined) return "[list reply]";
  if (buttonReply !== undefined) return "[button reply]";
  return "[interactive]";
}

function labelled(label: string, detail: string | undefined): string {
  const text = detail === undefined ? "" : oneLine(detail);
  return text === "" ? label : truncate(`${label} ${text}`);
}

/** Collapses a text of any length into one safe line of at most {@link MAX_SUMMARY_LENGTH} characters. */
function oneLine(text: string): string {
  let head = text.slice(0, SUMMARY_SCAN_LENGTH);
  const last = head.charCodeAt(head.length - 1);
  // Do not leave half of a surrogate pair at the cut.
  if (head.length < text.length && last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  const line = head.replace(UNSAFE_SUMMARY_CHARACTERS, " ").replace(/\s+/g, " ").trim();
  if (line === "") return "";
  return truncate(head.length < text.length ? `${line}…` : line);
}

/** Cuts at a grapheme boundary so an emoji or accented letter is never split, and marks the cut with an ellipsis. */
function truncate(text: string): string {
  if (text.length <= MAX_SUMMARY_LENGTH) return text;
  let result = "";
  for (const { segment } of new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)) {
    if (result.length + segment.length > MAX_SUMMARY_LENGTH - 1) break;
    result += segment;
  }
  return `${result.trimEnd()}…`;
}
