/** A fenced code block of a Markdown file. */
export interface Snippet {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's info string (`sh`, `js`, `json`, …), empty when none. */
  lang: string;
  code: string;
  /** The nearest heading above the block. */
  heading: string;
}

/** The fenced code blocks of a Markdown file, in order (```-fences, as the READMEs use). */
export function extractSnippets(file: string, markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split("\n");
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = /^\s*(`{3,})([\w-]*)\s*$/.exec(line);
    if (!open) {
      const title = /^#{1,6}\s+(.*)$/.exec(line);
      if (title) heading = title[1]!.trim();
      continue;
    }
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trim().startsWith(fence)) body.push(lines[j++]!);
    if (j >= lines.length) throw new Error(`${file}:${i + 1}: code block never closed`);
    snippets.push({ file, line: i + 1, lang: open[2]!, code: `${body.join("\n")}\n`, heading });
    i = j;
  }
  return snippets;
}

/** A shell line without its comment: `#` at the start of a word, outside quotes, starts one. */
export function stripShellComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') i++;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === "\\") {
      i++;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i).trimEnd();
    }
  }
  return line;
}

/** The commands of a shell snippet: continuation lines joined, comments and blank lines dropped. */
export function shellCommands(code: string): string[] {
  return code
    .replace(/[ \t]*\\\n\s*/g, " ")
    .split("\n")
    .map((line) => stripShellComment(line).trim())
    .filter((line) => line !== "");
}
