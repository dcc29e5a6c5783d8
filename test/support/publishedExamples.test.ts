import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  PUBLISHED_DIR,
  publishedEvents,
  publishedIndex,
  publishedMediaDownloads,
  publishedSends,
  publishedTemplateListings,
  type PublishedKind,
} from "./publishedExamples";

const FOLDER_OF: Record<PublishedKind, string> = {
  received: "events",
  status: "events",
  "other-event": "events",
  send: "sends",
  templateListing: "templateListings",
  media: "media",
};

const index = publishedIndex();

describe("published examples index", () => {
  it.each(index.map((entry) => [entry.file, entry] as const))("does parse %s, filed under its kind", (file, entry) => {
    const path = join(PUBLISHED_DIR, file);
    expect(existsSync(path)).toBe(true);
    expect(() => JSON.parse(readFileSync(path, "utf8")) as unknown).not.toThrow();
    expect(file.split("/")[0]).toBe(FOLDER_OF[entry.kind]);
    expect(entry.source).toMatch(/^[\w.-]+\/[\w.-]+:[^@]+@[0-9a-f]{40}$/);
  });

  it("does index every example file exactly once", () => {
    const onDisk = [...new Set(Object.values(FOLDER_OF))].flatMap((folder) =>
      readdirSync(join(PUBLISHED_DIR, folder))
        .filter((name) => name.endsWith(".json"))
        .map((name) => `${folder}/${name}`),
    );
    const indexed = index.map((entry) => entry.file);
    expect(new Set(indexed).size).toBe(indexed.length);
    expect([...indexed].sort()).toEqual([...onDisk].sort());
  });

  it("does load every indexed example through the typed loaders", () => {
    const count = (...kinds: PublishedKind[]): number => index.filter((entry) => kinds.includes(entry.kind)).length;
    expect(publishedEvents()).toHaveLength(count("received", "status", "other-event"));
    expect(publishedSends()).toHaveLength(count("send"));
    expect(publishedTemplateListings()).toHaveLength(count("templateListing"));
    expect(publishedMediaDownloads()).toHaveLength(count("media"));
  });

  it("does give every event example at least one event object with data", () => {
    for (const example of publishedEvents()) {
      expect(example.events.length, example.entry.file).toBeGreaterThan(0);
      for (const event of example.events) expect(typeof event.data, example.entry.file).toBe("object");
    }
  });

  it("does give every send example a body and a kind", () => {
    for (const send of publishedSends()) {
      expect(typeof send.kind, send.entry.file).toBe("string");
      expect(typeof send.body, send.entry.file).toBe("object");
    }
  });
});
