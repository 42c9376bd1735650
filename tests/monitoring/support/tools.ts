import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

export interface ToolResult {
  readonly code: number | null;
  /** stdout and stderr together: the tools print success to one and errors to the other. */
  readonly output: string;
}

/** Runs promtool or amtool (or another command) and returns its exit code and all it printed. */
export function runTool(command: string, args: string[], cwd?: string): ToolResult {
  const result = spawnSync(command, args, { cwd, encoding: "utf8" });
  if (result.error) throw result.error;
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A scratch directory with the given files written into it; `cleanup` removes it. */
export function filesIn(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "leadms-monitoring-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
