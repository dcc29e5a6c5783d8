import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findRunningStacks, publishStackState, type LocalStackState } from "../../../local/stack/stackState";

function state(pid: number, startedAt = new Date().toISOString()): LocalStackState {
  return {
    pid,
    startedAt,
    api: "http://127.0.0.1:7071/api",
    azuriteTable: "http://127.0.0.1:51234/devstoreaccount1",
    inMemory: true,
    settings: { TABLE_NAME_PREFIX: "acs" },
  };
}

/** The ID of a process that has exited. */
function exitedPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("local stack state", () => {
  it("finds a published stack, readable by its user only, until it is removed", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "stacks-")), "stacks");
    const remove = publishStackState(dir, state(process.pid));
    expect(findRunningStacks(dir)).toEqual([state(process.pid, findRunningStacks(dir)[0]!.startedAt)]);
    if (process.platform !== "win32") expect(statSync(join(dir, `${process.pid}.json`)).mode & 0o077).toBe(0);
    remove();
    expect(findRunningStacks(dir)).toEqual([]);
  });

  it("ignores the file of a stack whose process has ended, and a new stack removes it", () => {
    const dir = mkdtempSync(join(tmpdir(), "stacks-"));
    const gone = exitedPid();
    writeFileSync(join(dir, `${gone}.json`), JSON.stringify(state(gone)));
    writeFileSync(join(dir, "12.json"), "{ not json");
    expect(findRunningStacks(dir)).toEqual([]);
    publishStackState(dir, state(process.pid));
    expect(existsSync(join(dir, `${gone}.json`))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, `${process.pid}.json`), "utf8"))).toMatchObject({ pid: process.pid });
  });
});
