import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runDemo, type DemoResult } from "../../../local/demo/runDemo";
import { LOCAL_TEMPLATES } from "../../../local/stack/startLocalStack";

const root = join(__dirname, "..", "..", "..");

let story: DemoResult;
let text: string;

beforeAll(async () => {
  story = await runDemo();
  text = story.lines.join("\n");
}, 60_000);

/** The line that follows the first line matching `heading`. */
function linesAfter(heading: RegExp, count: number): string[] {
  const index = story.lines.findIndex((line) => heading.test(line));
  expect(index, `no line matches ${heading}`).toBeGreaterThanOrEqual(0);
  return story.lines.slice(index + 1, index + 1 + count);
}

describe("npm run demo", () => {
  it("passes every check of the story when run against its own stack", () => {
    expect(story.failure).toBeUndefined();
    expect(story.ok).toBe(true);
    expect(story.checks.length).toBeGreaterThanOrEqual(15);
    expect(story.checks.every((check) => check.ok)).toBe(true);
    expect(story.lines.at(-1)).toBe(`All ${story.checks.length} checks passed.`);
  });

  it("tells that the phone user arrives with phone and BSUID, and the username user with an empty from", () => {
    expect(linesAfter(/^1\. Alice writes/, 1)[0]).toMatch(
      /ACS event: from 44\*+101, fromBSUID GB\.\*{4}\d{3}; the subject names the phone/,
    );
    expect(linesAfter(/^2\. Bob writes/, 2)).toEqual([
      expect.stringMatching(/ACS event: from "", fromBSUID GB\.\*{4}\d{3}; the subject names the BSUID/),
      "   Why: username, no message on this business number in the last 30 days, not in the Contact Book",
    ]);
  });

  it("shows the imported CRM contact receiving Carol's BSUID under the same contactId", () => {
    const imported = /App: contact (c_[0-9a-f]{32}), phone \+44\*+303, no BSUID yet, external ID CRM-1001/.exec(text);
    expect(imported).not.toBeNull();
    expect(text).toContain(`attached to contact ${imported![1]}`);
  });

  it("says which address each reply used and why, and how it ended", () => {
    expect(text).toMatch(/Alice → bsuid GB\.\*{4}\d{3} — "BSUID preferred \(durable key\)" → read; status event to ""/);
    expect(text).toMatch(/Bob {3}→ bsuid .* → failed \(131026 Message Undeliverable\.\)/);
    expect(text).toMatch(
      /Carol → phone \+44\*+303 — "authentication templates need a phone number" → read; status event to 44\*+303, toBSUID GB\./,
    );
    expect(text).toMatch(/Bob {3}→ 422 authentication_template_needs_phone: Authentication templates can only be sent/);
  });

  it("keeps Alice's contactId through the number change and relink", () => {
    const relink = /Relink \(POST \/api\/contacts\/(c_[0-9a-f]{32})\/relink\): contactId (c_[0-9a-f]{32}) kept/.exec(
      text,
    );
    expect(relink).not.toBeNull();
    expect(relink![2]).toBe(relink![1]);
    expect(text).toMatch(new RegExp(`Lookup by the new BSUID → ${relink![1]}`));
  });

  it("shows the legacy phone-prefix subscription missing Bob and the BSUID-aware one catching him", () => {
    expect(text).toContain('legacy:      subjectBeginsWith "advancedMessage/sender/44" → 3 of 4');
    expect(text).toMatch(/BSUID-aware: subject StringBeginsWith .*"advancedMessage\/sender\/GB\." → 4 of 4/);
    expect(text).toMatch(/ {3}Bob +GB\.\*{4}\d{3} +MISSED +delivered/);
  });

  it("ends with the identity map of three contacts", () => {
    const rows = linesAfter(/^8\. The identity map/, 5).slice(2);
    expect(rows).toEqual([
      expect.stringMatching(/^ {3}c_[0-9a-f]{32} {2}Alice .*\+44\*+199/),
      expect.stringMatching(/^ {3}c_[0-9a-f]{32} {2}Bob .*\(none\)/),
      expect.stringMatching(/^ {3}c_[0-9a-f]{32} {2}Carol .*CRM-1001/),
    ]);
  });

  it("never prints a whole phone number or BSUID", () => {
    expect(text).not.toMatch(/\+?447700900\d{3}/);
    expect(text).not.toMatch(/[A-Z]{2}\.\d{5,}/);
  });

  it("fails naming the step when the app sends an authentication template to a BSUID", async () => {
    const broken = await runDemo({
      stackOptions: {
        // The template is no longer known as an authentication template, neither by setting nor by ACS's listing.
        settings: { AUTHENTICATION_TEMPLATES: "" },
        templates: LOCAL_TEMPLATES.map((t) => (t.name === "verification_code" ? { ...t, category: "UTILITY" } : t)),
      },
    });
    expect(broken.ok).toBe(false);
    expect(broken.failure).toBe("Carol's code went to her phone: addressed by bsuid, status read");
    expect(broken.lines.at(-1)).toMatch(/run with --verbose|DEMO FAILED/);
    expect(broken.lines.some((line) => line.startsWith("DEMO FAILED: "))).toBe(true);
  }, 60_000);

  it("exits 0 and prints the story when the built script runs on its own", async () => {
    const child = spawn(process.execPath, [join(root, "dist", "local", "demo.js")], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/All \d+ checks passed\./);
    expect(stdout).not.toContain('"level"');
  }, 60_000);
});
