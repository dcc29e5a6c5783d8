import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The folder holding the examples Microsoft publishes for ACS Advanced Messaging (see its README for provenance). */
export const PUBLISHED_DIR = join(__dirname, "..", "fixtures", "published");

/** What a published example is. */
export type PublishedKind = "received" | "status" | "other-event" | "send" | "templateListing" | "media";

/** One row of `index.json`. */
export interface PublishedIndexEntry {
  /** Path relative to the published folder, e.g. `events/docs-events-text.json`. */
  file: string;
  /** `owner/repo:path@commit` the example was read from. */
  source: string;
  kind: PublishedKind;
  /** Event envelope schema, for complete events. */
  schema?: "eventgrid" | "cloudevents";
  /** The API version whose example folder held it (REST examples only). */
  apiVersion?: string;
  /** True when the source shows only the `data` object of an event, without an envelope. */
  fragment?: boolean;
  notes?: string;
}

/** A published event example: the JSON as published, plus its events as a list. */
export interface PublishedEvent {
  entry: PublishedIndexEntry;
  /** The file's JSON exactly as stored: a delivery array, a single event, or `{ data }` for a fragment. */
  raw: unknown;
  /**
   * The events it holds, one per element (a single event becomes a list of one). A fragment is wrapped in a synthetic
   * Event Grid envelope by {@link envelopeForFragment}, since the source gives none.
   */
  events: Record<string, unknown>[];
}

/** A published send example (`POST /messages/notifications:send`, or the read-receipt operation). */
export interface PublishedSend {
  entry: PublishedIndexEntry;
  /** Absent for examples from the docs, which name no API version. */
  apiVersion?: string;
  operationId?: string;
  title?: string;
  /** The body's `kind` (`type` in pre-release previews); `readReceipt` for the read-receipt operation. */
  kind: string;
  body: Record<string, unknown>;
  expectedStatus?: number;
  response?: unknown;
}

/** A published template listing (or single-template) response, or a media download example. */
export interface PublishedResponseExample {
  entry: PublishedIndexEntry;
  apiVersion: string;
  operationId?: string;
  /** Path and query parameters of the request (`channelId`, media `id`). */
  request?: Record<string, unknown>;
  expectedStatus: number;
  response: { body?: unknown };
}

const EVENT_KINDS: ReadonlySet<PublishedKind> = new Set(["received", "status", "other-event"]);
const EVENT_TYPES: Record<string, string> = {
  received: "Microsoft.Communication.AdvancedMessageReceived",
  status: "Microsoft.Communication.AdvancedMessageDeliveryStatusUpdated",
};

/** Every row of `index.json`, in file order. */
export function publishedIndex(): PublishedIndexEntry[] {
  return readJson("index.json") as PublishedIndexEntry[];
}

/** Reads one file of the published folder as JSON. */
export function readPublished(file: string): unknown {
  return readJson(file);
}

/** Received, status and other event examples, optionally of one kind. */
export function publishedEvents(kind?: "received" | "status" | "other-event"): PublishedEvent[] {
  return publishedIndex()
    .filter((entry) => EVENT_KINDS.has(entry.kind) && (kind === undefined || entry.kind === kind))
    .map((entry) => {
      const raw = readJson(entry.file);
      const events = entry.fragment
        ? [envelopeForFragment(entry, raw as { data: Record<string, unknown> })]
        : Array.isArray(raw)
          ? (raw as Record<string, unknown>[])
          : [raw as Record<string, unknown>];
      return { entry, raw, events };
    });
}

/** Send examples, optionally of one API version. */
export function publishedSends(apiVersion?: string): PublishedSend[] {
  return publishedIndex()
    .filter((entry) => entry.kind === "send" && (apiVersion === undefined || entry.apiVersion === apiVersion))
    .map((entry) => ({ entry, ...(readJson(entry.file) as Omit<PublishedSend, "entry">) }));
}

/** Template listing responses (and the one single-template response of `2023-06-30-preview`). */
export function publishedTemplateListings(): PublishedResponseExample[] {
  return responses("templateListing");
}

/** Media download examples (their bodies are placeholders for binary content). */
export function publishedMediaDownloads(): PublishedResponseExample[] {
  return responses("media");
}

/**
 * Wraps a `data`-only example in an Event Grid envelope. The envelope is synthetic, not published: a deterministic
 * GUID derived from the file name, the event type of the entry's kind, the documented subject format, and a fixed
 * time (the fragments carry no `receivedTimestamp`, so this time is the only one the event has).
 */
export function envelopeForFragment(
  entry: PublishedIndexEntry,
  fragment: { data: Record<string, unknown> },
): Record<string, unknown> {
  const digest = createHash("sha256").update(entry.file).digest("hex");
  const id = `${digest.slice(0, 8)}-${digest.slice(8, 12)}-4${digest.slice(13, 16)}-a${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
  const data = fragment.data;
  const subject =
    entry.kind === "received"
      ? `advancedMessage/sender/${String(data.from || data.fromBSUID)}/recipient/${String(data.to)}`
      : `advancedMessage/${String(data.messageId)}/status/${String(data.status)}`;
  return {
    id,
    topic:
      "/subscriptions/6f1b8c2e-3a4d-4e5f-8a9b-0c1d2e3f4a5b/resourceGroups/contoso-rg/providers/Microsoft.Communication/communicationServices/contoso-acs",
    subject,
    data,
    eventType: EVENT_TYPES[entry.kind],
    dataVersion: "1.0",
    metadataVersion: "1",
    eventTime: "2026-04-01T12:00:00Z",
  };
}

function responses(kind: "templateListing" | "media"): PublishedResponseExample[] {
  return publishedIndex()
    .filter((entry) => entry.kind === kind)
    .map((entry) => ({ entry, ...(readJson(entry.file) as Omit<PublishedResponseExample, "entry">) }));
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(PUBLISHED_DIR, file), "utf8")) as unknown;
}
