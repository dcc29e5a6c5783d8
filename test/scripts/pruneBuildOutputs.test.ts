import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { pruneBuildOutputs } from "../../scripts/pruneBuildOutputs";

async function put(file: string, contents: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, contents);
}

/** A compiled file and its map, as `tsc` writes them for `source` (relative to the map). */
async function compiled(script: string, source: string): Promise<void> {
  await put(script, "exports.x = 1;\n");
  await put(`${script}.map`, JSON.stringify({ version: 3, sources: [source], mappings: "" }));
}

describe("pruneBuildOutputs", () => {
  it("removes compiled files whose source was deleted and keeps the rest", async () => {
    const root = await mkdtemp(join(tmpdir(), "prune-"));
    const dist = join(root, "dist");
    await put(join(root, "lib", "kept.ts"), "export const x = 1;\n");
    await compiled(join(dist, "lib", "kept.js"), "../../lib/kept.ts");
    // lib/moved.ts became lib/moved/index.ts: the old output would win over the new one in require("./moved").
    await put(join(root, "lib", "moved", "index.ts"), "export const x = 1;\n");
    await compiled(join(dist, "lib", "moved", "index.js"), "../../../lib/moved/index.ts");
    await compiled(join(dist, "lib", "moved.js"), "../../lib/moved.ts");
    // A bundle's map names many sources, some of them possibly gone; bundles are not this function's business.
    await put(join(dist, "main.js"), "bundle\n");
    await put(join(dist, "main.js.map"), JSON.stringify({ version: 3, sources: ["../gone.ts", "../lib/kept.ts"] }));
    await put(join(dist, "vendor", "identity.js"), "bundle without a map\n");

    expect(pruneBuildOutputs(dist)).toEqual([join(dist, "lib", "moved.js")]);
    expect(existsSync(join(dist, "lib", "moved.js"))).toBe(false);
    expect(existsSync(join(dist, "lib", "moved.js.map"))).toBe(false);
    for (const file of ["lib/kept.js", "lib/kept.js.map", "lib/moved/index.js", "main.js", "vendor/identity.js"]) {
      expect(existsSync(join(dist, file)), file).toBe(true);
    }
  });

  it("does nothing when the output folder does not exist yet", async () => {
    expect(pruneBuildOutputs(join(await mkdtemp(join(tmpdir(), "prune-")), "dist"))).toEqual([]);
  });
});
