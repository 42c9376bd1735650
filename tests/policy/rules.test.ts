import { describe, expect, it } from "vitest";
import { evaluate } from "../../policy/evaluate.js";
import type { KubernetesObject } from "../../policy/kubernetes-object.js";
import type { ObjectRule, StackRule } from "../../policy/rule.js";
import { objectRules, stackRules } from "../../policy/rules/index.js";

const labels = {
  "app.kubernetes.io/name": "api",
  "app.kubernetes.io/instance": "test",
  "app.kubernetes.io/component": "api",
  "app.kubernetes.io/part-of": "leadms",
  "app.kubernetes.io/managed-by": "pulumi",
};
const selector = { "app.kubernetes.io/name": "api", "app.kubernetes.io/instance": "test" };

/** A Deployment that every rule accepts; each case below breaks it in one way. */
function deployment(): any {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", namespace: "test", labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          topologySpreadConstraints: [{ topologyKey: "kubernetes.io/hostname", maxSkew: 1 }],
          volumes: [{ name: "tmp", emptyDir: {} }],
          containers: [
            {
              name: "api",
              image: "ghcr.io/acme/api:1.4.2",
              env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api", key: "token" } } }],
              resources: {
                requests: { cpu: "100m", memory: "128Mi" },
                limits: { cpu: "1", memory: "256Mi" },
              },
              readinessProbe: { httpGet: { path: "/ready", port: 80 } },
              livenessProbe: { httpGet: { path: "/live", port: 80 } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
            },
          ],
        },
      },
    },
  };
}
const service = (): any => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "api", namespace: "test", labels, annotations: { "prometheus.io/scrape": "true" } },
  spec: { selector, ports: [{ name: "http", port: 80 }] },
});
const ingress = (path: string, serviceName = "api"): any => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: `to-${serviceName}`, namespace: "test", labels },
  spec: {
    rules: [
      {
        http: {
          paths: [
            { path, pathType: "Prefix", backend: { service: { name: serviceName, port: { name: "http" } } } },
          ],
        },
      },
    ],
  },
});
/** A scraped Service whose metrics come from a sidecar on a port of their own. */
const sidecarScraped = (): any => ({
  ...service(),
  metadata: {
    ...service().metadata,
    name: "web",
    annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": "9113" },
  },
  spec: {
    selector,
    ports: [
      { name: "http", port: 80, targetPort: "http" },
      { name: "metrics", port: 9113, targetPort: "metrics" },
    ],
  },
});
const budget = (spec: Record<string, unknown>): any => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: { name: "api", namespace: "test", labels },
  spec: { ...spec, selector: { matchLabels: selector } },
});
const cronJob = (ttl?: number): any => {
  const pod = deployment().spec.template;
  delete pod.spec.containers[0].readinessProbe;
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "backup", namespace: "test", labels },
    spec: { schedule: "0 3 * * *", jobTemplate: { spec: { ttlSecondsAfterFinished: ttl, template: pod } } },
  };
};
const configMap = (data: Record<string, string>): any => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "test", labels },
  data,
});

/** Changes one thing in the compliant Deployment. */
function broken(change: (d: any) => void): any {
  const d = deployment();
  change(d);
  return d;
}
const container = (d: any) => d.spec.template.spec.containers[0];
const pod = (d: any) => d.spec.template.spec;

interface Case {
  readonly passes: KubernetesObject[];
  readonly violates: KubernetesObject[];
  /** Text the violation's message contains. */
  readonly message: string;
}

const CASES: Record<string, Case> = {
  "pss-privileged": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        container(d).securityContext.privileged = true;
      }),
    ],
    message: 'container "api" is privileged',
  },
  "pss-host-namespaces": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        pod(d).hostPID = true;
      }),
    ],
    message: "hostPID is true",
  },
  "pss-host-ports": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        container(d).ports = [{ containerPort: 80, hostPort: 80 }];
      }),
    ],
    message: "declares a hostPort",
  },
  "pss-volume-types": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        pod(d).volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
      }),
    ],
    message: 'volume "docker" is of type hostPath',
  },
  "pss-capabilities": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        container(d).securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] };
      }),
    ],
    message: "adds capability SYS_ADMIN",
  },
  "pss-privilege-escalation": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        delete container(d).securityContext.allowPrivilegeEscalation;
      }),
    ],
    message: "does not set allowPrivilegeEscalation: false",
  },
  "pss-run-as-non-root": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        container(d).securityContext.runAsUser = 0;
      }),
    ],
    message: 'container "api" runs as user 0',
  },
  "pss-seccomp": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        pod(d).securityContext.seccompProfile = { type: "Unconfined" };
      }),
    ],
    message: "has no RuntimeDefault or Localhost seccomp profile",
  },
  "pss-host-level-settings": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        pod(d).securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }];
      }),
    ],
    message: "sysctl kernel.msgmax is not in the safe set",
  },
  "latest-tag": {
    passes: [
      deployment(),
      broken((d) => {
        container(d).image = `ghcr.io/acme/api@sha256:${"a".repeat(64)}`;
      }),
    ],
    violates: [
      broken((d) => {
        container(d).image = "ghcr.io/acme/api:latest";
      }),
    ],
    message: 'runs image "ghcr.io/acme/api:latest"',
  },
  "resource-requirements": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        delete container(d).resources.limits.memory;
      }),
    ],
    message: 'container "api" sets no memory limits',
  },
  "no-read-only-root-fs": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        container(d).securityContext.readOnlyRootFilesystem = false;
      }),
    ],
    message: "does not set readOnlyRootFilesystem: true",
  },
  "env-var-secret": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        container(d).env = [{ name: "DB_PASSWORD", value: "hunter2" }];
      }),
    ],
    message: "sets DB_PASSWORD to a literal value",
  },
  "mismatching-selector": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        d.spec.selector.matchLabels = { "app.kubernetes.io/name": "other" };
      }),
    ],
    message: "does not match the pod template's labels",
  },
  "missing-probes": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        delete container(d).livenessProbe;
      }),
    ],
    message: 'container "api" has no livenessProbe',
  },
  "pdb-sanity": {
    passes: [budget({ maxUnavailable: 1 })],
    violates: [budget({ maxUnavailable: 0 })],
    message: "maxUnavailable 0 blocks every node drain",
  },
  "job-ttl": {
    passes: [cronJob(3600)],
    violates: [cronJob()],
    message: "ttlSecondsAfterFinished is not set",
  },
  "explicit-names": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        delete d.metadata.namespace;
      }),
    ],
    message: "Deployment api has no explicit metadata.namespace",
  },
  "recommended-labels": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        delete d.metadata.labels;
        d.metadata.labels = { "app.kubernetes.io/name": "api" };
      }),
    ],
    message: "has no app.kubernetes.io/part-of label",
  },
  "no-secrets-in-configmaps": {
    passes: [configMap({ LOG_LEVEL: "info", url: "https://example.com/a" })],
    violates: [configMap({ DATABASE: "postgres://app:hunter2@db:5432/leads" })],
    message: 'key "DATABASE" holds a credential',
  },
  "ingress-no-internal-paths": {
    passes: [ingress("/api")],
    violates: [ingress("/metrics")],
    message: 'path "/metrics" exposes an internal endpoint',
  },
  "dangling-service": {
    passes: [deployment(), service()],
    violates: [service()],
    message: "Service test/api selects no pods of any workload",
  },
  "no-anti-affinity": {
    passes: [deployment()],
    violates: [
      broken((d) => {
        delete pod(d).topologySpreadConstraints;
      }),
    ],
    message: "Deployment test/api can run several replicas on one node",
  },
  "pdb-min-available": {
    passes: [deployment(), budget({ minAvailable: 1 })],
    violates: [deployment(), budget({ minAvailable: 2 })],
    message: "minAvailable is not below the replicas",
  },
  "exceptions-isolated": {
    passes: excepted(),
    violates: [
      ...excepted(),
      { ...service(), metadata: { ...service().metadata, namespace: "host-agents" } },
    ],
    message: "has policy exceptions but shares its namespace with Service host-agents/api",
  },
  "metrics-not-exposed": {
    // "/" may reach a scraped Service when its metrics are on another port, as the frontend's are.
    passes: [service(), ingress("/api"), sidecarScraped(), ingress("/", "web")],
    violates: [service(), ingress("/")],
    message: 'routes "/" to the scrape port of the Service api',
  },
};

/** A DaemonSet exempt from the host rules, alone in a privileged namespace that says why. */
function excepted(reason = "reads the host"): any[] {
  const daemonSet = broken((d) => {
    pod(d).hostNetwork = true;
    d.metadata.annotations = {
      "leadms.io/policy-exceptions": "pss-host-namespaces",
      "leadms.io/policy-exception-reason": reason,
    };
  });
  daemonSet.kind = "DaemonSet";
  daemonSet.metadata.namespace = "host-agents";
  const namespace = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "host-agents",
      labels: { ...labels, "pod-security.kubernetes.io/enforce": "privileged" },
      annotations: { "leadms.io/policy-exception-reason": reason },
    },
  };
  return [namespace, daemonSet];
}

const ALL_RULES = [...objectRules, ...stackRules];

describe("the policy pack's rules", () => {
  it("each have a passing and a violating case", () => {
    expect(Object.keys(CASES).sort()).toEqual(ALL_RULES.map((rule) => rule.name).sort());
    expect(new Set(ALL_RULES.map((rule) => rule.name)).size).toBe(ALL_RULES.length);
  });

  it.each(ALL_RULES.map((rule) => [rule.name, rule] as const))(
    "%s accepts the compliant case and reports the violation",
    (name, rule) => {
      const isObjectRule = (objectRules as readonly unknown[]).includes(rule);
      const rules = isObjectRule
        ? { objectRules: [rule as ObjectRule], stackRules: [] }
        : { objectRules: [], stackRules: [rule as StackRule] };
      const testCase = CASES[name] as Case;
      expect(evaluate(testCase.passes, rules)).toEqual([]);
      const violations = evaluate(testCase.violates, rules);
      expect(violations.length).toBeGreaterThan(0);
      expect(violations.every((v) => v.rule === name)).toBe(true);
      expect(violations.map((v) => v.message).join("\n")).toContain(testCase.message);
    },
  );

  it("find nothing wrong with the compliant objects under every rule at once", () => {
    expect(
      evaluate([deployment(), service(), ingress("/api"), budget({ maxUnavailable: 1 }), cronJob(60)]),
    ).toEqual([]);
  });

  it("honour a documented exception, and only with its reason", () => {
    expect(evaluate(excepted())).toEqual([]);
    const [, withoutReason] = excepted("");
    const violations = evaluate([withoutReason]).map((v) => v.rule);
    expect(violations).toContain("pss-host-namespaces");
  });

  it("leave an image that a preview does not know yet alone", () => {
    const unknown = broken((d) => {
      delete container(d).image;
    });
    expect(evaluate([unknown]).filter((v) => v.rule === "latest-tag")).toEqual([]);
  });
});
