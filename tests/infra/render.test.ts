import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseQuantity } from "../../infra/quantity.js";
import { formatSummary, summarize } from "../../infra/render/summary.js";
import { writeManifests } from "../../infra/render/write-manifests.js";
import { render, rootPath } from "./support/render.js";

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), "leadms-render-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

async function renderCli(...args: string[]) {
  try {
    const { stdout, stderr } = await run("npx", ["tsx", "infra/render/cli.ts", ...args], {
      cwd: rootPath("."),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run render", () => {
  it("writes one YAML file per object, the same bytes on every run, and prints the summary", async () => {
    const [first, second] = [path.join(scratch, "a"), path.join(scratch, "b")];
    const result = await renderCli("--stack", "production", "--out", first);
    expect(result.code).toBe(0);
    await renderCli("--stack", "production", "--out", second);
    const files = filesUnder(first);
    expect(files).toEqual(filesUnder(second));
    for (const file of files)
      expect(readFileSync(path.join(first, file), "utf8")).toBe(
        readFileSync(path.join(second, file), "utf8"),
      );

    const { objects, resources } = await render("production");
    expect(files).toHaveLength(objects.length);
    expect(files).toContain("leadms-production/deployment-backend.yaml");
    expect(files).toContain("_cluster/namespace-leadms-production.yaml");
    const deployment = parse(
      readFileSync(path.join(first, "leadms-production/deployment-backend.yaml"), "utf8"),
    );
    expect(deployment).toEqual(objects.find((o) => o.kind === "Deployment" && o.metadata.name === "backend"));

    expect(result.stdout).toContain(`stack production: ${objects.length} Kubernetes objects`);
    expect(result.stdout).toMatch(/Deployment\s+7\n/);
    expect(result.stdout).toContain(formatSummary("production", summarize(objects, resources)));
  });

  it("adds up requests and limits per pod at the declared or minimum replicas", async () => {
    const { objects, resources } = await render("production");
    const totals = summarize(objects, resources).byNamespace["leadms-production"] as any;
    // backend: 3 (autoscaler minimum) x 250m, frontend: 2 x (50m + 20m for its exporter); no in-cluster databases.
    expect(totals.requests.cpu).toBeCloseTo(3 * 0.25 + 2 * (0.05 + 0.02), 6);
    expect(totals.limits.memory).toBe(
      3 * parseQuantity("512Mi") + 2 * (parseQuantity("128Mi") + parseQuantity("96Mi")),
    );
  });

  it("gives the same objects when stacks are rendered concurrently", async () => {
    const [staging, production] = await Promise.all([render("staging"), render("production")]);
    expect(staging.objects).toEqual((await render("staging")).objects);
    expect(production.objects).toEqual((await render("production")).objects);
    expect(staging.objects.some((o) => o.metadata.namespace === "leadms-production")).toBe(false);
  });

  it("never writes a secret value", async () => {
    const secrets = {
      apiToken: "api-token-that-must-not-leak-0123",
      postgresPassword: "pg-password-that-must-not-leak",
      redisPassword: "redis-password-that-must-not-leak",
    };
    const { objects } = await render("staging", {}, secrets);
    const dir = path.join(scratch, "secrets");
    writeManifests(dir, objects);
    const written = filesUnder(dir)
      .map((file) => readFileSync(path.join(dir, file), "utf8"))
      .join("\n");
    for (const value of Object.values(secrets)) expect(written).not.toContain(value);
    // The generated ones are placeholders too, as is everything under a Secret's data.
    for (const name of ["backend-api", "postgres-credentials", "redis-credentials"]) {
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === name) as any;
      for (const value of Object.values(secret.stringData))
        expect(value).toBe("<secret value, not shown offline>");
    }
  });

  it("fails with the config problems and exit code 1 on a bad stack", async () => {
    const stackFile = rootPath("Pulumi.broken.yaml");
    writeFileSync(stackFile, "config:\n  leadms:profile: staging\n  leadms:backend:\n    replicas: -2\n");
    try {
      const result = await renderCli("--stack", "broken", "--out", path.join(scratch, "broken"));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("leadms:backend.replicas must be an integer >= 1, got -2");
      expect(result.stderr).toContain("leadms:ingress.host is required");
    } finally {
      rmSync(stackFile);
    }
  });

  it("names the missing stack file and rejects a missing stack name", async () => {
    const missing = await renderCli("--stack", "nonexistent");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Pulumi.nonexistent.yaml");
    const unnamed = await renderCli("--out", scratch);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('--stack must be a stack name such as staging, got ""');
  });
});
