import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LocalStackState } from "../../local/stack/stackState";
import { chooseImportSettings } from "../../scripts/chooseImportSettings";

const AZURITE_IN_MEMORY =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:53127/devstoreaccount1;";

/** A project folder with the given settings files. */
function project(files: { sample?: Record<string, string>; local?: Record<string, string> }): string {
  const root = mkdtempSync(join(tmpdir(), "import-settings-"));
  if (files.sample) writeFileSync(join(root, "local.settings.sample.json"), JSON.stringify({ Values: files.sample }));
  if (files.local) writeFileSync(join(root, "local.settings.json"), JSON.stringify({ Values: files.local }));
  return root;
}

function stack(port: number, settings: Record<string, string> = {}): LocalStackState {
  return {
    pid: 1000 + port,
    startedAt: "2026-05-01T10:00:00.000Z",
    api: `http://127.0.0.1:${port}/api`,
    azuriteTable: "http://127.0.0.1:53127/devstoreaccount1",
    inMemory: true,
    settings: { TABLE_STORAGE_CONNECTION_STRING: AZURITE_IN_MEMORY, TABLE_NAME_PREFIX: "stack", ...settings },
  };
}

const SAMPLE = { TABLE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true", TABLE_NAME_PREFIX: "acs" };

describe("chooseImportSettings", () => {
  it("reads local.settings.sample.json when there is no local.settings.json and no stack runs", () => {
    const appRoot = project({ sample: SAMPLE });
    const chosen = chooseImportSettings({ appRoot, env: {}, stacks: [] });
    expect(chosen.settings).toMatchObject(SAMPLE);
    expect(chosen.target).toContain("UseDevelopmentStorage=true");
    expect(chosen.target).toContain("local.settings.sample.json");
    expect(chosen.target).toContain("no local stack is running");
  });

  it("prefers local.settings.json and lets the environment win over it", () => {
    const appRoot = project({ sample: SAMPLE, local: { ...SAMPLE, TABLE_NAME_PREFIX: "mine", DEFAULT_SCOPE: "shop" } });
    const chosen = chooseImportSettings({ appRoot, env: { DEFAULT_SCOPE: "other", PATH: "/bin" }, stacks: [] });
    expect(chosen.settings).toMatchObject({ TABLE_NAME_PREFIX: "mine", DEFAULT_SCOPE: "other" });
  });

  it("uses the tables of the running stack, Azurite in memory on its own ports, over the file's", () => {
    const appRoot = project({ sample: SAMPLE });
    const chosen = chooseImportSettings({ appRoot, env: {}, stacks: [stack(7071)] });
    expect(chosen.settings).toMatchObject({
      TABLE_STORAGE_CONNECTION_STRING: AZURITE_IN_MEMORY,
      TABLE_NAME_PREFIX: "stack",
      TABLE_STORAGE_ENDPOINT: "",
    });
    expect(chosen.target).toContain("the running local stack (API http://127.0.0.1:7071/api");
    expect(chosen.target).toContain("in memory");
  });

  it("keeps a table storage named in the environment even while a stack runs", () => {
    const appRoot = project({ sample: SAMPLE });
    const env = {
      TABLE_STORAGE_ENDPOINT: "https://contoso.table.core.windows.net",
      TABLE_STORAGE_CONNECTION_STRING: "",
    };
    const chosen = chooseImportSettings({ appRoot, env, stacks: [stack(7071)] });
    expect(chosen.settings.TABLE_STORAGE_ENDPOINT).toBe("https://contoso.table.core.windows.net");
    expect(chosen.target).toBe(
      "https://contoso.table.core.windows.net (managed identity) (TABLE_STORAGE_ENDPOINT from the environment)",
    );
  });

  it("picks the stack on PORT when several run, and names them all when none is on it", () => {
    const appRoot = project({ sample: SAMPLE });
    const stacks = [stack(7071, { TABLE_NAME_PREFIX: "first" }), stack(7072, { TABLE_NAME_PREFIX: "second" })];
    expect(chooseImportSettings({ appRoot, env: { PORT: "7072" }, stacks }).settings.TABLE_NAME_PREFIX).toBe("second");
    expect(chooseImportSettings({ appRoot, env: {}, stacks }).settings.TABLE_NAME_PREFIX).toBe("first");
    expect(() => chooseImportSettings({ appRoot, env: { PORT: "7075" }, stacks })).toThrow(
      /2 local stacks are running \(http:\/\/127\.0\.0\.1:7071\/api, http:\/\/127\.0\.0\.1:7072\/api\).*PORT=/,
    );
  });
});
