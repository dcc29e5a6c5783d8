import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "..", "..");
const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> })
  .scripts;

describe("npm scripts that build", () => {
  it("never delete dist/, which a running stack, simulator or demo is loading", () => {
    for (const [name, command] of Object.entries(scripts)) {
      expect(command, name).not.toMatch(/rmSync|rimraf|\brm\s+-\w*r|\bdel\b|--clean/);
    }
  });

  it("compile incrementally and then prune and bundle, each skipping what is already up to date", () => {
    expect(scripts.build).toMatch(/^tsc -b tsconfig\.build\.json && /);
    expect(scripts.build).toContain("node dist/scripts/pruneBuildOutputs.js");
    expect(scripts.build).toMatch(/node dist\/scripts\/bundleApp\.js$/);
    const config = readFileSync(join(root, "tsconfig.build.json"), "utf8");
    expect(config).toMatch(/"incremental":\s*true/);
    // Kept inside dist/: deleting dist/ by hand must also forget what was built, or tsc -b would skip the rebuild.
    expect(config).toMatch(/"tsBuildInfoFile":\s*"dist\//);
  });

  it("compile the schemas into validators after tsc and before bundling, so the bundle holds the current ones", () => {
    const steps = scripts.build!.split(" && ");
    const compile = steps.indexOf("node dist/scripts/compileSchemas.js");
    expect(compile).toBeGreaterThan(steps.indexOf("tsc -b tsconfig.build.json"));
    expect(compile).toBeLessThan(steps.indexOf("node dist/scripts/bundleApp.js"));
  });
});
