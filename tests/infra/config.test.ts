import { describe, expect, it } from "vitest";
import { loadStackConfig, StackConfigError } from "../../infra/config.js";
import { renderProgram } from "../../infra/render/render-stack.js";
import { declareStack } from "../../infra/stack.js";
import { render, stackValues } from "./support/render.js";

/** Runs the real program with a config and returns the error and how many resources were declared. */
async function attempt(
  stack: string,
  overrides: Record<string, unknown>,
  secrets: Record<string, string> = {},
) {
  let error: unknown;
  const rendered = await renderProgram(stack, stackValues(stack, overrides, secrets), () => {
    try {
      declareStack(loadStackConfig(stack));
    } catch (caught) {
      error = caught;
    }
  });
  return { error, declared: rendered.resources.length };
}

/** `leadms:images` is set whole in the stack file, so a change to it restates the rest. */
const BUILD = { mode: "build", repository: "ghcr.io/example/leadms", tag: "staging" };

const BAD_CONFIGS: {
  name: string;
  stack?: string;
  overrides?: Record<string, unknown>;
  secrets?: Record<string, string>;
  expected: string;
}[] = [
  {
    name: "negative replicas",
    overrides: { backend: { replicas: -2 } },
    expected: "leadms:backend.replicas must be an integer >= 1, got -2",
  },
  {
    name: "fractional replicas",
    overrides: { frontend: { replicas: 1.5 } },
    expected: "leadms:frontend.replicas must be an integer >= 1, got 1.5",
  },
  {
    name: "replicas as text",
    overrides: { backend: { replicas: "three" } },
    expected: 'leadms:backend.replicas must be an integer >= 1, got "three"',
  },
  {
    name: "a misspelt key",
    overrides: { backend: { replica: 2 } },
    expected: "leadms:backend.replica is not a known setting",
  },
  {
    name: "an unknown top-level key",
    overrides: { backnd: { replicas: 2 } },
    expected: "leadms:backnd is not a known setting",
  },
  {
    name: "a CPU that is no quantity",
    overrides: { backend: { resources: { requests: { cpu: "lots" } } } },
    expected:
      'leadms:backend.resources.requests.cpu must be a Kubernetes cpu quantity such as "250m", got "lots"',
  },
  {
    name: "requests above limits",
    overrides: { frontend: { resources: { requests: { memory: "1Gi" } } } },
    expected: "leadms:frontend.resources.requests.memory must not exceed limits.memory",
  },
  {
    name: "autoscaling max below min",
    stack: "production",
    overrides: { backend: { autoscaling: { maxReplicas: 2 } } },
    expected: "leadms:backend.autoscaling.maxReplicas must be >= minReplicas",
  },
  {
    name: "a zero disruption budget",
    stack: "production",
    overrides: { frontend: { disruptionBudget: { maxUnavailable: 0 } } },
    expected: "leadms:frontend.disruptionBudget.maxUnavailable must be an integer >= 1, got 0",
  },
  {
    name: "an upper-case hostname",
    overrides: { ingress: { host: "Leads.Example.com" } },
    expected: 'leadms:ingress.host must be a lower-case hostname, got "Leads.Example.com"',
  },
  {
    name: "a missing hostname",
    overrides: { ingress: undefined },
    expected: "leadms:ingress.host is required",
  },
  {
    name: "an unknown TLS mode",
    overrides: { ingress: { host: "a.example.com", tls: { mode: "acme" } } },
    expected: "leadms:ingress.tls.mode",
  },
  {
    name: "a latest image tag",
    overrides: { images: { ...BUILD, tag: "latest" } },
    expected: 'leadms:images.tag must not be "latest", got "latest"',
  },
  {
    name: "a prebuilt image without digest",
    overrides: {
      images: {
        mode: "prebuilt",
        backend: "ghcr.io/a/backend:1.0",
        frontend: `ghcr.io/a/frontend@sha256:${"a".repeat(64)}`,
      },
    },
    expected:
      'leadms:images.backend must be an image reference pinned by @sha256 digest, got "ghcr.io/a/backend:1.0"',
  },
  {
    name: "an unknown database mode",
    overrides: { postgres: { mode: "managed" } },
    expected: "leadms:postgres.mode",
  },
  {
    name: "external PostgreSQL without host",
    overrides: {
      postgres: { mode: "external", port: 5432, database: "leadms", user: "leadms", sslMode: "require" },
    },
    expected: "leadms:postgres.host is required",
  },
  {
    name: "a bad sslMode",
    stack: "production",
    overrides: { postgres: { sslMode: "prefer" } },
    expected: 'leadms:postgres.sslMode must be one of disable, require, verify-ca, verify-full, got "prefer"',
  },
  {
    name: "a port out of range",
    stack: "production",
    overrides: { redis: { port: 70000 } },
    expected: "leadms:redis.port must be an integer <= 65535, got 70000",
  },
  {
    name: "a quota smaller than the services",
    overrides: { quota: { cpu: "1" } },
    expected: "leadms:quota.cpu must cover the",
  },
  {
    name: "a bad log level",
    overrides: { backend: { logLevel: "verbose" } },
    expected: 'leadms:backend.logLevel must be one of fatal, error, warn, info, debug, trace, got "verbose"',
  },
  {
    name: "a section that is not an object",
    overrides: { redis: "yes" },
    expected: 'leadms:redis must have mode "external" or "in-cluster", got "yes"',
  },
  {
    name: "a schedule with six fields",
    overrides: { backups: { schedule: "0 15 2 * * *" } },
    expected:
      'leadms:backups.schedule must be a five-field cron schedule such as "15 2 * * *", got "0 15 2 * * *"',
  },
  {
    name: "a minute out of range",
    overrides: { backups: { restoreCheckSchedule: "61 4 * * 0" } },
    expected:
      'leadms:backups.restoreCheckSchedule must be a five-field cron schedule such as "15 2 * * *", got "61 4 * * 0"',
  },
  {
    name: "an unknown time zone",
    overrides: { backups: { timeZone: "Mars/Olympus" } },
    expected: 'leadms:backups.timeZone must be an IANA time zone such as Etc/UTC, got "Mars/Olympus"',
  },
  {
    name: "volumes beyond the storage quota",
    overrides: { backups: { storageSize: "100Gi" } },
    expected: 'leadms:quota.storage must cover the 106Gi of volumes the stack claims, got "20Gi"',
  },
  {
    name: "remote storage without its password",
    overrides: {
      monitoring: { prometheus: { remoteWrite: { url: "https://mimir.example.com/push", username: "u" } } },
    },
    expected: "leadms:remoteWritePassword is required when leadms:monitoring.prometheus.remoteWrite is set",
  },
  {
    name: "remote storage over plain http",
    overrides: {
      monitoring: { prometheus: { remoteWrite: { url: "http://mimir.example.com/push", username: "u" } } },
    },
    expected:
      'leadms:monitoring.prometheus.remoteWrite.url must be an https:// URL, got "http://mimir.example.com/push"',
  },
  {
    name: "a threshold that is no ratio",
    overrides: { monitoring: { thresholds: { http5xxRatio: 5 } } },
    expected: "leadms:monitoring.thresholds.http5xxRatio must be a number between 0 and 1, got 5",
  },
  {
    name: "a retention that is no duration",
    overrides: { monitoring: { prometheus: { retentionTime: "a month" } } },
    expected:
      'leadms:monitoring.prometheus.retentionTime must be a Prometheus duration such as "30s" or "15d", got "a month"',
  },
  {
    name: "Grafana on a path the platform uses",
    overrides: { monitoring: { grafana: { ingressPath: "/api" } } },
    expected: 'leadms:monitoring.grafana.ingressPath must not be a path the platform uses, got "/api"',
  },
  {
    name: "Loki object storage without its secret key",
    overrides: {
      monitoring: {
        loki: {
          objectStorage: {
            endpoint: "s3.example.com",
            bucket: "logs-bucket",
            region: "eu",
            accessKeyId: "AK",
          },
        },
      },
    },
    expected: "leadms:lokiSecretAccessKey is required when leadms:monitoring.loki.objectStorage is set",
  },
  {
    name: "a short API token",
    secrets: { apiToken: "short" },
    expected: "leadms:apiToken must be at least 24 characters long",
  },
  {
    name: "a registry user without password",
    overrides: { images: { ...BUILD, registryUsername: "deployer" } },
    expected: "leadms:registryPassword is required when leadms:images.registryUsername is set",
  },
];

describe("a bad stack config", () => {
  it.each(BAD_CONFIGS)(
    "fails on $name, naming the key, with no resource declared",
    async ({ stack = "staging", overrides = {}, secrets = {}, expected }) => {
      const { error, declared } = await attempt(stack, overrides, secrets);
      expect(error).toBeInstanceOf(StackConfigError);
      expect((error as Error).message).toContain(expected);
      expect(declared).toBe(0);
    },
  );

  it("lists every problem in one message", async () => {
    const { error } = await attempt("staging", {
      backend: { replicas: 0, logLevel: "loud" },
      frontend: { replicas: -1 },
      images: { ...BUILD, tag: "latest" },
    });
    const problems = (error as StackConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        "leadms:backend.replicas must be an integer >= 1, got 0",
        "leadms:frontend.replicas must be an integer >= 1, got -1",
        'leadms:images.tag must not be "latest", got "latest"',
      ]),
    );
    expect(problems.some((problem) => problem.startsWith("leadms:backend.logLevel"))).toBe(true);
    expect((error as Error).message.split("\n")).toHaveLength(problems.length + 1);
  });

  it("refuses a secret stored in plain text, without echoing it", async () => {
    const values = stackValues("staging");
    values.config["leadms:apiToken"] = "plain-text-token-0123456789abcdef";
    let error: unknown;
    await renderProgram("staging", values, () => {
      try {
        loadStackConfig("staging");
      } catch (caught) {
        error = caught;
      }
    });
    expect((error as Error).message).toContain(
      "leadms:apiToken must be stored encrypted: pulumi config set --secret apiToken",
    );
    expect((error as Error).message).not.toContain("plain-text-token");
  });

  it("refuses a stack that names no profile", async () => {
    let error: unknown;
    await renderProgram("qa", { config: {}, secretKeys: [] }, () => {
      try {
        loadStackConfig("qa");
      } catch (caught) {
        error = caught;
      }
    });
    expect((error as Error).message).toContain(
      'stack name "qa" must name a profile in stacks/ (staging, production)',
    );
  });
});

describe("a good stack config", () => {
  it("lays the stack file over the profile", async () => {
    const { objects } = await render("staging", { backend: { replicas: 2 } });
    const deployment: any = objects.find((o) => o.kind === "Deployment" && o.metadata.name === "backend");
    expect(deployment.spec.replicas).toBe(2);
    // Untouched settings keep the profile's values.
    expect(deployment.spec.template.spec.containers[0].resources.limits.memory).toBe("384Mi");
  });

  it("replaces a section whole when its mode changes", async () => {
    const { objects } = await render("staging", {
      postgres: {
        mode: "external",
        host: "db.internal",
        port: 5432,
        database: "leads",
        user: "app",
        sslMode: "require",
      },
    });
    expect(objects.some((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres")).toBe(false);
    expect(objects.some((o) => o.kind === "StatefulSet" && o.metadata.name === "redis")).toBe(true);
  });

  it("lets another stack name choose a profile", async () => {
    const values = stackValues("staging");
    values.config["leadms:profile"] = "staging";
    const { objects } = await (await import("../../infra/render/render-stack.js")).renderStack(
      "review-42",
      values,
    );
    expect(objects.find((o) => o.kind === "Namespace")?.metadata.name).toBe("leadms-review-42");
  });
});
