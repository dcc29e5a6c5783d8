import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");

/** Loads the built app in a fresh Node process, as the Functions worker would, and lists what it registered. */
async function loadBuiltApp(env: Record<string, string> = {}) {
  const script = `
    const { loadFunctionApp } = require(${JSON.stringify(join(root, "dist", "local", "host", "loadFunctionApp.js"))});
    const regs = loadFunctionApp(${JSON.stringify(root)});
    process.stdout.write(JSON.stringify(regs.map((r) => ({ name: r.name, triggerType: r.triggerType, trigger: r.trigger }))));
  `;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["-e", script], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  return {
    registrations: JSON.parse(stdout) as { name: string; triggerType: string; trigger: Record<string, unknown> }[],
    stderr,
  };
}

async function builtRegistrations() {
  return (await loadBuiltApp()).registrations;
}

describe("built function entries", () => {
  it("registers every function with the host's binding metadata when loaded through package.json main", async () => {
    const registrations = await builtRegistrations();
    const byName = new Map(registrations.map((r) => [r.name, r]));
    expect(byName.get("advancedMessageReceived")?.triggerType).toBe("eventGridTrigger");
    expect(byName.get("deliveryStatusUpdated")?.triggerType).toBe("eventGridTrigger");
    expect(byName.get("finishErasures")?.trigger).toMatchObject({ type: "timerTrigger", schedule: "0 */5 * * * *" });
    expect(byName.get("purgeExpired")?.trigger).toMatchObject({ type: "timerTrigger", schedule: "0 17 * * * *" });
    for (const [name, route, method] of [
      ["getContact", "contacts/{contactId}", "GET"],
      ["findContact", "contacts", "GET"],
      ["relinkContact", "contacts/{contactId}/relink", "POST"],
      ["eraseContact", "contacts/{contactId}", "DELETE"],
      ["eraseContactByIdentifier", "contacts", "DELETE"],
      ["getMessage", "messages/{messageId}", "GET"],
      ["health", "health", "GET"],
    ] as const) {
      const trigger = byName.get(name)?.trigger;
      expect(trigger, name).toMatchObject({ type: "httpTrigger", route, methods: [method], authLevel: "function" });
    }
  });

  it("says once, as it loads, that the settings are invalid and why, and still registers health", async () => {
    const { registrations, stderr } = await loadBuiltApp({
      TABLE_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true",
      SEND_ADDRESS_PREFERENCE: "nobody",
    });
    expect(stderr.match(/Invalid configuration: /g)).toHaveLength(1);
    expect(stderr).toContain("SEND_ADDRESS_PREFERENCE must be bsuid or phone");
    expect(registrations.map((registration) => registration.name)).toContain("health");
  });
});
