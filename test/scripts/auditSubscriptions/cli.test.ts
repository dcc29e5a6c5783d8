import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatAuditReport } from "../../../scripts/auditSubscriptions/auditReport";
import { auditSubscriptions } from "../../../scripts/auditSubscriptions/auditSubscriptions";
import { runAuditCli, type CliIo } from "../../../scripts/auditSubscriptions/cli";

const ROOT = join(__dirname, "..", "..", "..");
const AZ_SAMPLE = join(ROOT, "samples", "subscriptions", "az-system-topic-event-subscriptions.json");
const ARM_SAMPLE = join(ROOT, "samples", "subscriptions", "arm-template.json");
const read = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
const azReport = auditSubscriptions(read(AZ_SAMPLE));
const armReport = auditSubscriptions(read(ARM_SAMPLE));

describe("audit:subscriptions CLI", () => {
  function io(stdin = ""): CliIo & { stdout: string; stderr: string } {
    const captured = { stdout: "", stderr: "" };
    return Object.assign(captured, {
      out: (text: string) => void (captured.stdout += text),
      err: (text: string) => void (captured.stderr += text),
      readStdin: async () => stdin,
    });
  }

  it("prints a readable report and exits 1 when a sample subscription goes silent", async () => {
    const cli = io();
    expect(await runAuditCli([AZ_SAMPLE], cli)).toBe(1);
    expect(cli.stdout).toContain("SILENT  uk-sales -> AzureFunction …/functions/ukSales");
    expect(cli.stdout).toContain("checked with the filter engine: phone and BSUID senders now match alike");
    expect(cli.stdout).toMatch(
      /7 subscriptions would go silent for some senders, 1 with warnings, 0 not auditable\. Exit code 1\.\n$/,
    );
    expect(formatAuditReport(azReport, AZ_SAMPLE)).toBe(cli.stdout);
  });

  it("prints JSON that parses back to the report when --json is given", async () => {
    const cli = io();
    expect(await runAuditCli(["--json", ARM_SAMPLE], cli)).toBe(1);
    expect(JSON.parse(cli.stdout)).toEqual(JSON.parse(JSON.stringify(armReport)));
  });

  it("reads standard input and exits 0 when given - and a clean file", async () => {
    const cli = io(readFileSync(join(ROOT, "infra", "eventSubscriptions.json"), "utf8"));
    expect(await runAuditCli(["-"], cli)).toBe(0);
    expect(cli.stdout).toContain("audit of stdin (subscriptions file, 2 subscriptions)");
  });

  it.each([
    [[], /Name the file to audit/],
    [["a.json", "b.json"], /Name one file/],
    [["--bogus", AZ_SAMPLE], /Unknown option/],
    [[join(ROOT, "no-such-file.json")], /Cannot read .*no-such-file\.json: ENOENT/],
    [[join(ROOT, "README.md")], /is not valid JSON/],
  ])("exits 2 with a message on stderr when the arguments are %j", async (argv, message) => {
    const cli = io();
    expect(await runAuditCli(argv, cli)).toBe(2);
    expect(cli.stderr).toMatch(message);
    expect(cli.stdout).toBe("");
  });
});
