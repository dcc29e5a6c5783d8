/**
 * Set-up file of the reliability suite (see vitest.reliability.config.mts): captures everything the test file logs and,
 * after its tests, checks that no full phone number or BSUID appears in any of it.
 *
 * `console.*` is captured and kept off the terminal (the suite logs tens of thousands of lines); writes to stdout and
 * stderr are captured and still shown.
 */
import { format } from "node:util";
import { afterAll, expect } from "vitest";
import { capturedLines, findLeaks, registeredIdentifierCount } from "./privacy";

for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
  console[method] = (...args: unknown[]) => void capturedLines.push(format(...args));
}
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    capturedLines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

afterAll(() => {
  const leaks = findLeaks(capturedLines);
  process.stderr.write(
    `privacy: ${capturedLines.length} captured log lines checked for ${registeredIdentifierCount()} full identifiers ` +
      `and any BSUID: ${leaks.length} found\n`,
  );
  expect(
    leaks,
    `${capturedLines.length} captured log lines, ${registeredIdentifierCount()} registered identifiers`,
  ).toEqual([]);
});
