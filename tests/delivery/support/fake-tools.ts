import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

/**
 * Stand-ins for pulumi, kubectl and docker on PATH, for the scripts the workflows call: each records
 * its arguments in `<dir>/calls.log` and answers from environment variables the test sets.
 */
export function fakeTools(scripts: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), "leadms-fake-tools-"));
  for (const [name, body] of Object.entries(scripts)) {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      `#!/usr/bin/env bash\nprintf '%s %s\\n' "${name}" "$*" >>"${dir}/calls.log"\n${body}\n`,
    );
    chmodSync(file, 0o755);
  }
  writeFileSync(path.join(dir, "calls.log"), "");
  return {
    dir,
    path: `${dir}:${process.env.PATH}`,
    calls: () => readFileSync(path.join(dir, "calls.log"), "utf8").split("\n").filter(Boolean),
    reset: () => writeFileSync(path.join(dir, "calls.log"), ""),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
