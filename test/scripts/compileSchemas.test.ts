import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ADVANCED_FILTER_OPERATOR_TYPES } from "../../lib/eventGridFilter/evaluateEventGridFilter";
import { fingerprintOf, generateModule, readSchemas, SCHEMA_MODULES } from "../../scripts/compileSchemas";

const ROOT = join(__dirname, "..", "..");

describe("compileSchemas", () => {
  it.each(SCHEMA_MODULES)("writes exactly the committed $file when run on the current schemas", async (spec) => {
    const committed = readFileSync(join(ROOT, spec.file), "utf8");
    const generated = await generateModule(spec, ROOT);
    // No diff of two large files: the message says what to do.
    expect(generated === committed, `${spec.file} is out of date with schemas/: run npm run build`).toBe(true);
  });

  it.each(SCHEMA_MODULES)("records what $file was built from in its first line", (spec) => {
    const firstLine = readFileSync(join(ROOT, spec.file), "utf8").split("\n", 1)[0];
    expect(firstLine).toContain(`(fingerprint ${fingerprintOf(spec, ROOT)})`);
  });

  it("lists every value a discriminator accepts, read through the $refs of its branches", () => {
    const filter = readSchemas(ROOT).get("eventGridFilter.schema.json") as {
      definitions: { advancedFilter: Record<string, unknown> };
    };
    const values = filter.definitions.advancedFilter["x-discriminatorValues"] as string[];
    expect([...values].sort()).toEqual([...ADVANCED_FILTER_OPERATOR_TYPES].sort());
  });

  it("leaves the prose out of the compiled copies but keeps properties named description", () => {
    const routes = readSchemas(ROOT).get("routes.schema.json") as {
      description?: string;
      definitions: { route: { properties: Record<string, unknown> } };
    };
    expect(routes.description).toBeUndefined();
    expect(routes.definitions.route.properties.description).toEqual({ type: "string" });
  });

  it("refuses a oneOf without a discriminator, whose errors no reader could follow", () => {
    const root = mkdtempSync(join(tmpdir(), "schemas-"));
    mkdirSync(join(root, "schemas"));
    writeFileSync(
      join(root, "schemas", "shape.schema.json"),
      JSON.stringify({ oneOf: [{ type: "string" }, { type: "number" }] }),
    );
    expect(() => readSchemas(root)).toThrow(/every oneOf needs a discriminator/);
  });
});
