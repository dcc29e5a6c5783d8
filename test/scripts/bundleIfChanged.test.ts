import { mkdtemp, open, readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { bundleIfChanged, type BundleRequest } from "../../scripts/bundleIfChanged";

let dir = "";
let request: BundleRequest;

/** Writes a source file as edited a minute ago (a file edited while a build runs is the last test's business). */
async function source(name: string, text: string): Promise<void> {
  await writeFile(join(dir, name), text);
  const minuteAgo = new Date(Date.now() - 60_000);
  await utimes(join(dir, name), minuteAgo, minuteAgo);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "bundle-"));
  await source("entry.ts", 'import { word } from "./word";\nconsole.log(word);\n');
  await source("word.ts", 'export const word: string = "first";\n');
  request = {
    absWorkingDir: dir,
    entryPoints: [join(dir, "entry.ts")],
    outfile: join(dir, "out", "bundle.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    fingerprint: ["v1"],
  };
});

describe("bundleIfChanged", () => {
  it("leaves the bundle untouched when it is run again with the same inputs", async () => {
    expect(await bundleIfChanged(request)).toBe("built");
    const before = await stat(request.outfile);
    expect(await bundleIfChanged(request)).toBe("up to date");
    const after = await stat(request.outfile);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it("bundles again when an imported file changes", async () => {
    await bundleIfChanged(request);
    await source("word.ts", 'export const word: string = "second";\n');
    expect(await bundleIfChanged(request)).toBe("built");
    expect(await readFile(request.outfile, "utf8")).toContain("second");
  });

  it("bundles again when the fingerprint or the options change", async () => {
    await bundleIfChanged(request);
    expect(await bundleIfChanged({ ...request, fingerprint: ["v2"] })).toBe("built");
    expect(await bundleIfChanged({ ...request, fingerprint: ["v2"], minify: true })).toBe("built");
    expect(await bundleIfChanged({ ...request, fingerprint: ["v2"], minify: true })).toBe("up to date");
  });

  it("bundles again when the output was replaced or deleted after it was built", async () => {
    await bundleIfChanged(request);
    await writeFile(request.outfile, "// written by another build\n");
    expect(await bundleIfChanged(request)).toBe("built");
    expect(await readFile(request.outfile, "utf8")).toContain("first");
  });

  it("bundles again next time when an input was edited while it bundled", async () => {
    await writeFile(join(dir, "word.ts"), 'export const word: string = "just saved";\n');
    expect(await bundleIfChanged(request)).toBe("built");
    expect(await bundleIfChanged(request)).toBe("built");
  });

  it("replaces the bundle by a rename, so a reader that opened the old one reads it whole", async () => {
    await bundleIfChanged(request);
    const old = await readFile(request.outfile, "utf8");
    const reader = await open(request.outfile, "r");
    try {
      await source("word.ts", 'export const word: string = "second";\n');
      expect(await bundleIfChanged(request)).toBe("built");
      expect(await reader.readFile("utf8")).toBe(old);
      expect(await readFile(request.outfile, "utf8")).toContain("second");
    } finally {
      await reader.close();
    }
    expect((await readdir(join(dir, "out"))).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});
