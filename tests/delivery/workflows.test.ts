import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** True when the preview posts, and keeps editing, one comment per stack on its pull request. */
function commentsOnPullRequests(workflow: Workflow): boolean {
  const job = workflow.doc.jobs?.preview;
  const step = (job?.steps ?? []).find((s: any) => String(s.uses ?? "").startsWith("pulumi/actions@"));
  return (
    step?.with?.["comment-on-pr"] === true &&
    step?.with?.["edit-pr-comment"] === true &&
    job?.permissions?.["pull-requests"] === "write" &&
    Object.keys(workflow.doc.on ?? {}).includes("pull_request")
  );
}
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
  it("are the checks, the deploys and the previews", () => {
    expect(workflows.map((w) => w.file)).toEqual(["ci.yml", "deploy.yml", "preview.yml"]);
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
    expect(workflows.flatMap(writePermissions)).toEqual(["images: packages", "preview: pull-requests"]);
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

  it("points the suite at PostgreSQL and Redis service containers", () => {
    const job = ci.doc.jobs.test;
    // pg_dump refuses a server newer than itself: the server's major is the container's client's.
    expect(job.services.postgres.image).toMatch(/^postgres:15\.\d+-bookworm$/);
    expect(job.services.redis.image).toMatch(/^redis:\d+\.\d+\.\d+-bookworm$/);
    const support = ["database.ts", "service.ts"]
      .map((file) => readFileSync(`app/backend/test/support/${file}`, "utf8"))
      .join("\n");
    for (const name of ["TEST_POSTGRES_URL", "TEST_REDIS_URL"]) {
      expect(support).toContain(`process.env.${name}`);
      expect(Object.keys(job.services)).toContain(new URL(job.env[name]).hostname);
    }
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
    expect(commentsOnPullRequests(preview)).toBe(true);
    expect(preview.doc.jobs.preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const silent = mutated(preview, (doc) => {
      doc.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@")).with[
        "comment-on-pr"
      ] = false;
    });
    expect(commentsOnPullRequests(silent)).toBe(false);
    const unprivileged = mutated(preview, (doc) => {
      doc.jobs.preview.permissions = { contents: "read" };
    });
    expect(commentsOnPullRequests(unprivileged)).toBe(false);
  });

  it("never runs two previews of one stack and pull request at once", () => {
    // GitHub expressions, not template literals.
    const expression = (text: string) => `\${{ ${text} }}`;
    expect(preview.doc.jobs.preview.concurrency.group).toBe(
      `preview-${expression("github.event.pull_request.number")}-${expression("matrix.stack")}`,
    );
  });
});

/** Deploy jobs whose environment or serialisation is missing: empty when every deploy job is guarded. */
function unguardedDeploys(workflow: Workflow): string[] {
  return jobsOf(workflow)
    .filter(([, job]) =>
      (job.steps ?? []).some((step: any) => String(step.run ?? "").includes("scripts/deploy-stack.sh")),
    )
    .filter(
      ([name, job]) =>
        job.environment !== name ||
        job.concurrency?.group !== `deploy-${name}` ||
        job.concurrency?.["cancel-in-progress"] !== false,
    )
    .map(([name]) => name);
}

/** True when production can start without staging having succeeded in the same run. */
function productionCanSkipStaging(workflow: Workflow): boolean {
  const production = workflow.doc.jobs.production;
  const needs = [production?.needs ?? []].flat();
  return (
    !needs.includes("staging") || !String(production?.if ?? "").includes("needs.staging.result == 'success'")
  );
}

describe("deploy.yml", () => {
  const deploy = byName("deploy.yml");

  it("builds the images once and deploys them to staging, then production", () => {
    expect(Object.keys(deploy.doc.on)).toEqual(["push", "workflow_dispatch"]);
    expect(deploy.doc.on.push.branches).toEqual(["main"]);
    expect(
      (deploy.doc.jobs.images.steps as any[]).some((s) => String(s.run).includes("scripts/build-images.sh")),
    ).toBe(true);
    for (const stack of ["staging", "production"]) {
      const run = (deploy.doc.jobs[stack].steps as any[]).find((s) =>
        String(s.run).includes("scripts/deploy-stack.sh"),
      ).run;
      expect(run).toBe(
        `scripts/deploy-stack.sh ${stack} "\${{ needs.images.outputs.backend }}" "\${{ needs.images.outputs.frontend }}"`,
      );
    }
  });

  it("runs each deploy in its environment, one at a time per stack", () => {
    expect(unguardedDeploys(deploy)).toEqual([]);
    const loose = mutated(deploy, (doc) => {
      delete doc.jobs.production.environment;
      doc.jobs.staging.concurrency.group = "deploys";
    });
    expect(unguardedDeploys(loose).sort()).toEqual(["production", "staging"]);
  });

  it("never reaches production before staging succeeded", () => {
    expect(productionCanSkipStaging(deploy)).toBe(false);
    const hasty = mutated(deploy, (doc) => {
      doc.jobs.production.needs = ["images"];
    });
    expect(productionCanSkipStaging(hasty)).toBe(true);
  });

  it("lets a person deploy or roll back a chosen ref", () => {
    expect(deploy.doc.on.workflow_dispatch.inputs.stack.options).toEqual(["staging", "production"]);
    expect(deploy.doc.on.workflow_dispatch.inputs.ref.required).toBe(true);
    expect(deploy.doc.env.REF).toBe(`\${{ inputs.ref || github.sha }}`);
  });
});
