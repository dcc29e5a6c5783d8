import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadLocalSettings } from "../../../local/host/loadLocalSettings";

function project(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "local-settings-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
}

describe("loadLocalSettings", () => {
  it("reads local.settings.json Values when the file exists, ignoring the sample", () => {
    const dir = project({
      "local.settings.json": { Values: { TABLE_NAME_PREFIX: "mine", CHANNEL_SCOPES: "{}" } },
      "local.settings.sample.json": { Values: { TABLE_NAME_PREFIX: "sample" } },
    });
    const settings = loadLocalSettings(dir, {});
    expect(settings.values).toEqual({ TABLE_NAME_PREFIX: "mine", CHANNEL_SCOPES: "{}" });
    expect(settings.source).toBe(join(dir, "local.settings.json"));
  });

  it("falls back to local.settings.sample.json when there is no local.settings.json", () => {
    const dir = project({ "local.settings.sample.json": { Values: { TABLE_NAME_PREFIX: "sample", DEBUG: true } } });
    expect(loadLocalSettings(dir, {}).values).toEqual({ TABLE_NAME_PREFIX: "sample", DEBUG: "true" });
  });

  it("keeps an environment variable over the file's value when both are set, as Core Tools does", () => {
    const dir = project({ "local.settings.json": { Values: { TABLE_NAME_PREFIX: "file", DEFAULT_SCOPE: "a" } } });
    const settings = loadLocalSettings(dir, { TABLE_NAME_PREFIX: "env", DEFAULT_SCOPE: "" });
    expect(settings.values).toEqual({ TABLE_NAME_PREFIX: "env", DEFAULT_SCOPE: "a" });
    expect(settings.fromEnvironment).toEqual(["TABLE_NAME_PREFIX"]);
  });

  it("reads only the sample when asked to ignore local.settings.json", () => {
    const dir = project({
      "local.settings.json": { Values: { ACS_CONNECTION_STRING: "endpoint=https://real/;accesskey=x" } },
      "local.settings.sample.json": { Values: { TABLE_NAME_PREFIX: "sample" } },
    });
    expect(loadLocalSettings(dir, {}, { sampleOnly: true }).values).toEqual({ TABLE_NAME_PREFIX: "sample" });
  });

  it("returns no values when neither file exists", () => {
    expect(loadLocalSettings(project({}), {})).toEqual({ values: {}, source: undefined, fromEnvironment: [] });
  });

  it("throws naming the file when Values is not an object", () => {
    const dir = project({ "local.settings.json": { Values: ["x"] } });
    expect(() => loadLocalSettings(dir, {})).toThrow(/local\.settings\.json: "Values" must be an object/);
  });
});
