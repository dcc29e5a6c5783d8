import { describe, expect, it } from "vitest";
import { extractSnippets, shellCommands, stripShellComment } from "./markdownSnippets";

describe("extractSnippets", () => {
  it("returns each fenced block with its language, opening line and heading", () => {
    const markdown = ["# Title", "", "```sh", "npm ci", "```", "", "## Next", "```", "plain", "```"].join("\n");
    expect(extractSnippets("x.md", markdown)).toEqual([
      { file: "x.md", line: 3, lang: "sh", code: "npm ci\n", heading: "Title" },
      { file: "x.md", line: 8, lang: "", code: "plain\n", heading: "Next" },
    ]);
  });

  it("does not read headings inside a block, and refuses a block that is never closed", () => {
    const snippets = extractSnippets("x.md", "# A\n```sh\n# a comment\n```\n```js\nx\n```\n");
    expect(snippets.map((s) => s.heading)).toEqual(["A", "A"]);
    expect(() => extractSnippets("x.md", "```sh\nnpm ci\n")).toThrow("x.md:1: code block never closed");
  });
});

describe("shellCommands", () => {
  it("joins continuation lines and drops comments and blank lines", () => {
    const code = "curl -f \\\n  --data @x.json   # publish\n\n# only a comment\nnpm run simulator -- list\n";
    expect(shellCommands(code)).toEqual(["curl -f --data @x.json", "npm run simulator -- list"]);
  });

  it("keeps a # that is inside quotes or inside a word", () => {
    expect(stripShellComment(`send u1 text "Hello # not a comment" # comment`)).toBe(
      `send u1 text "Hello # not a comment"`,
    );
    expect(stripShellComment("echo a#b 'c # d'")).toBe("echo a#b 'c # d'");
  });
});
