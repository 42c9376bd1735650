import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  actionlint,
  jobsOf,
  readWorkflows,
  unpinnedActions,
  type Workflow,
  writePermissions,
} from "./support/workflow-checks.js";

const workflows = readWorkflows();
const byName = (file: string) => workflows.find((w) => w.file === file) as Workflow;
const stepUsing = (workflow: Workflow, action: string) =>
  jobsOf(workflow)
    .flatMap(([, job]) => (job.steps ?? []) as any[])
    .find((step) => String(step.uses ?? "").startsWith(`${action}@`));
const mutated = (workflow: Workflow, change: (doc: any) => void): Workflow => {
  const doc = structuredClone(workflow.doc);
  change(doc);
  return { ...workflow, doc };
};

describe("the workflows", () => {
  it("are the checks and the previews", () => {
    expect(workflows.map((w) => w.file)).toEqual(expect.arrayContaining(["ci.yml", "preview.yml"]));
  });

  it("pass actionlint", () => {
    const result = actionlint(new URL("../../", import.meta.url).pathname);
    expect(result.output).toContain(`Checking ${workflows.length} workflow file(s)`);
    expect(result.output).toContain("All workflow files passed lint checks");
    expect(result.code).toBe(0);
  });

  it("fail actionlint when broken, so the check above can fail", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "leadms-actionlint-"));
    try {
      mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
      const broken = byName("ci.yml").text.replace("timeout-minutes: 60", "timeout-minutes: soon");
      writeFileSync(path.join(dir, ".github", "workflows", "ci.yml"), broken);
      const result = actionlint(dir);
      expect(result.code).toBe(1);
      expect(result.output).toContain("timeout-minutes: soon");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("pin every action to a full commit SHA", () => {
    for (const workflow of workflows) expect(unpinnedActions(workflow), workflow.file).toEqual([]);
    const tagged = mutated(byName("ci.yml"), (doc) => {
      doc.jobs.audit.steps[0].uses = "actions/checkout@v4";
    });
    expect(unpinnedActions(tagged)).toEqual(["actions/checkout@v4"]);
  });

  it("grant read-only access by default, and write only where a job needs it", () => {
    for (const workflow of workflows)
      expect(workflow.doc.permissions, workflow.file).toEqual({ contents: "read" });
    expect(workflows.flatMap(writePermissions)).toEqual(["preview: pull-requests"]);
    const greedy = mutated(byName("ci.yml"), (doc) => {
      doc.jobs.test.permissions = { contents: "write" };
    });
    expect(writePermissions(greedy)).toEqual(["test: contents"]);
  });
});

describe("ci.yml", () => {
  const ci = byName("ci.yml");

  it("runs the suite as .ci/run does, renders every stack and keeps the manifests", () => {
    const steps = ci.doc.jobs.test.steps as any[];
    expect(steps.some((step) => step.run === "bash .ci/run")).toBe(true);
    expect(ci.doc.jobs.test.container.image).toMatch(/^node:\d+\.\d+\.\d+-bookworm$/);
    const render = steps.find((step) => String(step.run).includes("npm run render"));
    expect(render.run).toContain("for stack in staging production");
    for (const stack of ["staging", "production"]) expect(existsSync(`Pulumi.${stack}.yaml`)).toBe(true);
    expect(stepUsing(ci, "actions/upload-artifact")?.with).toMatchObject({
      path: "rendered/",
      "if-no-files-found": "error",
    });
  });

  it("audits dependencies at high severity, scans both images and reviews dependency changes on pull requests", () => {
    expect((ci.doc.jobs.audit.steps as any[]).some((s) => s.run === "npm audit --audit-level=high")).toBe(
      true,
    );
    expect(ci.doc.jobs["image-scan"].strategy.matrix.app).toEqual(["backend", "frontend"]);
    expect(stepUsing(ci, "aquasecurity/trivy-action")?.with).toMatchObject({
      "exit-code": "1",
      severity: "CRITICAL,HIGH",
    });
    expect(ci.doc.jobs["dependency-review"].if).toBe("github.event_name == 'pull_request'");
    expect(stepUsing(ci, "actions/dependency-review-action")?.with["fail-on-severity"]).toBe("high");
  });
});

describe("preview.yml", () => {
  const preview = byName("preview.yml");
  const pulumi = stepUsing(preview, "pulumi/actions");

  it("previews every stack on pull requests with the policy pack", () => {
    expect(Object.keys(preview.doc.on)).toEqual(["pull_request"]);
    expect(preview.doc.jobs.preview.strategy.matrix.stack).toEqual(["staging", "production"]);
    expect(pulumi?.with).toMatchObject({ command: "preview", policyPacks: "policy", diff: true });
  });

  it("comments on the pull request, one comment per stack edited on each push", () => {
    expect(pulumi?.with).toMatchObject({ "comment-on-pr": true, "edit-pr-comment": true });
    expect(preview.doc.jobs.preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    // A preview that stops commenting would show here.
    const silent = mutated(preview, (doc) => {
      doc.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@")).with[
        "comment-on-pr"
      ] = false;
    });
    expect(stepUsing(silent, "pulumi/actions")?.with["comment-on-pr"]).toBe(false);
  });

  it("never runs two previews of one stack and pull request at once", () => {
    // GitHub expressions, not template literals.
    const expression = (text: string) => `\${{ ${text} }}`;
    expect(preview.doc.jobs.preview.concurrency.group).toBe(
      `preview-${expression("github.event.pull_request.number")}-${expression("matrix.stack")}`,
    );
  });
});
