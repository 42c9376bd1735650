import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { loadStackConfig } from "../../infra/config.js";
import { unwrap } from "../../infra/render/manifests.js";
import { unbuiltDigest } from "../../infra/render/recording-mocks.js";
import { renderProgram } from "../../infra/render/render-stack.js";
import { declareStack, type StackOutputs } from "../../infra/stack.js";
import { find, kinds, render, stackValues } from "./support/render.js";

const staging = await render("staging");
const production = await render("production");
const byType = (resources: typeof staging.resources, type: string) =>
  resources.filter((r) => r.type === type);
const containerOf = (deployment: any) => deployment.spec.template.spec.containers[0];

describe("EnvironmentNamespace", () => {
  it("enforces, audits and warns at the restricted Pod Security level", () => {
    const labels = find(staging.objects, "Namespace", "leadms-staging").metadata.labels;
    for (const mode of ["enforce", "audit", "warn"]) {
      expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
    }
  });

  it("sets the quota from the stack and container defaults", () => {
    const hard = find(production.objects, "ResourceQuota", "leadms-quota").spec.hard;
    expect(hard).toMatchObject({
      "limits.cpu": "20",
      "requests.memory": "24Gi",
      pods: "60",
      "requests.storage": "50Gi",
    });
    const limits = find(staging.objects, "LimitRange", "leadms-limits", "leadms-staging").spec.limits[0];
    expect(limits.type).toBe("Container");
    expect(limits.default).toBeDefined();
    expect(limits.defaultRequest).toBeDefined();
  });

  it("denies all traffic by default and allows DNS to kube-dns only", () => {
    for (const namespace of ["leadms-staging", "leadms-staging-monitoring"]) {
      const deny = find(staging.objects, "NetworkPolicy", "default-deny", namespace).spec;
      expect(deny).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
    const dns = find(staging.objects, "NetworkPolicy", "allow-dns", "leadms-staging").spec;
    expect(dns.policyTypes).toEqual(["Egress"]);
    expect(dns.egress[0].to[0].podSelector.matchLabels).toEqual({ "k8s-app": "kube-dns" });
    expect(dns.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`).sort()).toEqual([
      "TCP/53",
      "UDP/53",
    ]);
  });
});

describe("WebService", () => {
  it("rolls out without losing capacity and probes the backend's three distinct endpoints", () => {
    const deployment = find(staging.objects, "Deployment", "backend");
    expect(deployment.spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const container = containerOf(deployment);
    const paths = [container.startupProbe, container.readinessProbe, container.livenessProbe].map(
      (p) => p.httpGet.path,
    );
    expect(paths).toEqual(["/ping", "/health/ready", "/health/live"]);
    expect(container.resources).toEqual({
      requests: { cpu: "100m", memory: "192Mi" },
      limits: { cpu: "500m", memory: "384Mi" },
    });
  });

  it("runs under the restricted security context with only /tmp writable", () => {
    for (const name of ["backend", "frontend"]) {
      const pod = find(staging.objects, "Deployment", name).spec.template.spec;
      const container = pod.containers[0];
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(
        Number.isInteger(container.securityContext.runAsUser) && container.securityContext.runAsUser > 0,
      ).toBe(true);
      const tmp = pod.volumes.find((v: any) => v.name === "tmp");
      expect(tmp.emptyDir).toBeDefined();
      expect(container.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(find(staging.objects, "ServiceAccount", name).automountServiceAccountToken).toBe(false);
      expect(pod.topologySpreadConstraints[0].topologyKey).toBe("kubernetes.io/hostname");
    }
  });

  it("gives the backend a grace period longer than its shutdown delay plus drain", () => {
    for (const rendered of [staging, production]) {
      const deployment = find(rendered.objects, "Deployment", "backend");
      const env = Object.fromEntries(
        containerOf(deployment)
          .env.filter((e: any) => e.value)
          .map((e: any) => [e.name, e.value]),
      );
      const shutdownSeconds = (Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_TIMEOUT_MS)) / 1000;
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(shutdownSeconds);
    }
  });

  it("passes credentials only by reference to Secrets", () => {
    const env = containerOf(find(staging.objects, "Deployment", "backend")).env;
    const fromSecrets = env
      .filter((e: any) => e.valueFrom?.secretKeyRef)
      .map((e: any) => `${e.name}<-${e.valueFrom.secretKeyRef.name}`);
    expect(fromSecrets).toEqual([
      "DATABASE_URL<-postgres-credentials",
      "REDIS_URL<-redis-credentials",
      "API_TOKEN<-backend-api",
    ]);
    for (const e of env) expect(e.value === undefined || e.valueFrom === undefined).toBe(true);
  });

  it("exposes a ClusterIP Service on port 80, with scrape annotations for the metrics port", () => {
    const backend = find(staging.objects, "Service", "backend");
    expect(backend.spec).toMatchObject({
      type: "ClusterIP",
      ports: [{ name: "http", port: 80, targetPort: "http" }],
    });
    expect(backend.metadata.annotations).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/path": "/metrics",
      "prometheus.io/port": "3000",
    });
    const frontend = find(staging.objects, "Service", "frontend");
    expect(frontend.metadata.annotations).toEqual({
      "prometheus.io/scrape": "true",
      "prometheus.io/path": "/metrics",
      "prometheus.io/port": "9113",
    });
    expect(frontend.spec.ports).toEqual([
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
      { name: "metrics", port: 9113, targetPort: "metrics", protocol: "TCP" },
    ]);
    const sidecar = find(staging.objects, "Deployment", "frontend").spec.template.spec.containers[1];
    expect(sidecar.args[0]).toBe("--nginx.scrape-uri=http://127.0.0.1:8081/stub_status");
    expect(sidecar.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
  });

  it("lets in only the ingress controller, the frontend, and Prometheus on the metrics port", () => {
    const policy = find(staging.objects, "NetworkPolicy", "backend").spec;
    expect(policy.policyTypes).toEqual(["Ingress", "Egress"]);
    const [web, metrics] = policy.ingress;
    expect(web.from).toEqual([
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx" } },
      },
      { podSelector: { matchLabels: { "app.kubernetes.io/name": "frontend" } } },
    ]);
    expect(metrics.from[0].namespaceSelector.matchLabels).toEqual({
      "kubernetes.io/metadata.name": "leadms-staging-monitoring",
    });
    expect(metrics.ports).toEqual([{ protocol: "TCP", port: 3000 }]);
    const egressTargets = policy.egress.map(
      (rule: any) => rule.to[0].podSelector.matchLabels["app.kubernetes.io/name"],
    );
    expect(egressTargets).toEqual(["postgres", "redis"]);
    const frontend = find(staging.objects, "NetworkPolicy", "frontend").spec;
    expect(frontend.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "backend" } } }],
        ports: [{ protocol: "TCP", port: 3000 }],
      },
    ]);
  });

  it("declares autoscalers and disruption budgets only where the stack asks, leaving replicas to the autoscaler", () => {
    expect(
      kinds(staging.objects).filter((k) => /HorizontalPodAutoscaler|PodDisruptionBudget/.test(k)),
    ).toEqual([]);
    expect(find(staging.objects, "Deployment", "backend").spec.replicas).toBe(1);
    const hpa = find(production.objects, "HorizontalPodAutoscaler", "backend").spec;
    expect(hpa).toMatchObject({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "backend" },
      minReplicas: 3,
      maxReplicas: 10,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
        },
      ],
    });
    expect(find(production.objects, "Deployment", "backend").spec.replicas).toBeUndefined();
    expect(find(production.objects, "PodDisruptionBudget", "frontend").spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: { "app.kubernetes.io/name": "frontend", "app.kubernetes.io/instance": "production" },
      },
    });
  });

  it("ships nginx.conf in a ConfigMap whose checksum rolls the frontend's pods", () => {
    const configMap = find(staging.objects, "ConfigMap", "frontend-config");
    const content = configMap.data["nginx.conf"];
    const template = find(staging.objects, "Deployment", "frontend").spec.template;
    expect(template.metadata.annotations["leadms.io/config-checksum"]).toBe(
      createHash("sha256").update(content).digest("hex"),
    );
    expect(template.spec.containers[0].volumeMounts).toContainEqual({
      name: "config",
      mountPath: "/etc/nginx/nginx.conf",
      subPath: "nginx.conf",
      readOnly: true,
    });
    expect(template.spec.containers[0].lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
  });
});

describe("Images", () => {
  it("builds both images from the repository and deploys the pushed digest", () => {
    const images = byType(staging.resources, "docker:index/image:Image").map((r) => unwrap(r.inputs) as any);
    expect(images.map((i) => i.imageName)).toEqual([
      "ghcr.io/example/leadms/backend:staging",
      "ghcr.io/example/leadms/frontend:staging",
    ]);
    for (const [image, app] of images.map((i, n) => [i, ["backend", "frontend"][n]] as const)) {
      expect(image.build.dockerfile).toMatch(new RegExp(`app/${app}/Dockerfile$`));
      expect(containerOf(find(staging.objects, "Deployment", app as string)).image).toBe(
        unbuiltDigest(image.imageName),
      );
    }
  });

  it("pushes with the registry login from the config, the password as a secret", async () => {
    const rendered = await render(
      "staging",
      {
        images: {
          mode: "build",
          repository: "registry.example.com/leadms",
          tag: "v1",
          registryUsername: "ci",
        },
      },
      { registryPassword: "registry-password-value" },
    );
    const image = byType(rendered.resources, "docker:index/image:Image")[0] as any;
    const registry = image.inputs.registry;
    expect(registry[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
    expect(unwrap(registry)).toEqual({
      server: "registry.example.com",
      username: "ci",
      password: "registry-password-value",
    });
  });

  it("uses prebuilt references as given, building nothing", async () => {
    const backend = `ghcr.io/acme/backend@sha256:${"b".repeat(64)}`;
    const frontend = `ghcr.io/acme/frontend:1.2@sha256:${"f".repeat(64)}`;
    const rendered = await render("staging", { images: { mode: "prebuilt", backend, frontend } });
    expect(byType(rendered.resources, "docker:index/image:Image")).toEqual([]);
    expect(containerOf(find(rendered.objects, "Deployment", "backend")).image).toBe(backend);
    expect(containerOf(find(rendered.objects, "Deployment", "frontend")).image).toBe(frontend);
  });
});

describe("ApiToken", () => {
  it("generates the token with @pulumi/random when the stack sets none", () => {
    const passwords = byType(staging.resources, "random:index/randomPassword:RandomPassword").map(
      (r) => r.name,
    );
    expect(passwords).toContain("api-token-value");
    expect(find(staging.objects, "Secret", "backend-api").stringData).toEqual({
      API_TOKEN: "<secret value, not shown offline>",
    });
  });

  it("uses the stack's secret token when set", async () => {
    const rendered = await render("staging", {}, { apiToken: "a-configured-token-0123456789" });
    const passwords = byType(rendered.resources, "random:index/randomPassword:RandomPassword").map(
      (r) => r.name,
    );
    expect(passwords).not.toContain("api-token-value");
    const secret = rendered.resources.find((r) => r.name === "api-token-secret") as any;
    expect(secret.inputs.stringData[pulumi.runtime.specialSigKey]).toBe(pulumi.runtime.specialSecretSig);
  });
});

describe("Postgres and Redis", () => {
  const SECRET_KEYS = {
    postgres: ["DATABASE_URL", "PGDATABASE", "PGHOST", "PGPASSWORD", "PGPORT", "PGSSLMODE", "PGUSER"],
    redis: ["REDIS_PASSWORD", "REDIS_URL"],
  };

  it("run in the cluster for staging, with persistent volumes sized from the stack", () => {
    const postgres = find(staging.objects, "StatefulSet", "postgres").spec;
    expect(postgres.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
    expect(postgres.template.spec.containers[0].image).toMatch(/^postgres:1[6-9]\.\d+-/);
    const redis = find(staging.objects, "StatefulSet", "redis").spec;
    expect(redis.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("1Gi");
    const args = redis.template.spec.containers[0].args;
    expect(args[args.indexOf("--maxmemory") + 1]).toBe(String(100 * 2 ** 20));
    expect(find(staging.objects, "Service", "postgres").spec.clusterIP).toBe("None");
    expect(find(staging.objects, "NetworkPolicy", "postgres").spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { "app.kubernetes.io/name": "backend" } } },
      { podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres-backup" } } },
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "leadms-staging-monitoring" } },
        podSelector: { matchLabels: { "app.kubernetes.io/name": "postgres-exporter" } },
      },
    ]);
    expect(
      byType(staging.resources, "random:index/randomPassword:RandomPassword").map((r) => r.name),
    ).toEqual(expect.arrayContaining(["postgres-password", "redis-password"]));
  });

  it("are external for production, reached through egress on their ports", () => {
    const app = production.objects.filter((o) => o.metadata.namespace === "leadms-production");
    expect(kinds(app).filter((k) => k.startsWith("StatefulSet/"))).toEqual([]);
    const egress = find(production.objects, "NetworkPolicy", "backend").spec.egress;
    expect(egress.map((rule: any) => rule.ports[0].port)).toEqual([5432, 6379]);
    expect(egress[0].to).toEqual([{ ipBlock: { cidr: "0.0.0.0/0" } }]);
  });

  it("keep the same Secret names and keys in both modes", () => {
    for (const rendered of [staging, production]) {
      expect(Object.keys(find(rendered.objects, "Secret", "postgres-credentials").stringData).sort()).toEqual(
        SECRET_KEYS.postgres,
      );
    }
    expect(Object.keys(find(staging.objects, "Secret", "redis-credentials").stringData).sort()).toEqual(
      SECRET_KEYS.redis,
    );
    // An external Redis without a password has a URL only.
    expect(Object.keys(find(production.objects, "Secret", "redis-credentials").stringData)).toEqual([
      "REDIS_URL",
    ]);
  });
});

describe("PublicIngress", () => {
  it("routes /api to the backend and / to the frontend, over TLS from cert-manager", () => {
    const ingress = find(production.objects, "Ingress", "leadms");
    expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBe("letsencrypt-production");
    expect(ingress.spec.tls).toEqual([{ hosts: ["leads.example.com"], secretName: "production-leadms-tls" }]);
    const paths = ingress.spec.rules[0].http.paths.map(
      (p: any) => `${p.path}->${p.backend.service.name}:${p.backend.service.port.name}`,
    );
    expect(paths).toEqual(["/api->backend:http", "/->frontend:http"]);
  });

  it("uses a configured TLS Secret without cert-manager", async () => {
    const rendered = await render("staging", {
      ingress: { host: "leads.staging.example.com", tls: { mode: "secret", secretName: "wildcard-tls" } },
    });
    const ingress = find(rendered.objects, "Ingress", "leadms");
    expect(ingress.spec.tls[0].secretName).toBe("wildcard-tls");
    expect(ingress.metadata.annotations["cert-manager.io/cluster-issuer"]).toBeUndefined();
  });
});

describe("stack outputs", () => {
  it("name the namespace, services, URLs and the commands an operator needs", async () => {
    let outputs: StackOutputs | undefined;
    await renderProgram("production", stackValues("production"), () => {
      outputs = declareStack(loadStackConfig("production"));
    });
    const resolved = await new Promise<any>((resolve) =>
      pulumi
        .output({ namespace: outputs?.namespace, services: outputs?.services, urls: outputs?.urls })
        .apply(resolve),
    );
    expect(resolved).toEqual({
      namespace: "leadms-production",
      services: { backend: "backend", frontend: "frontend" },
      urls: { statusPage: "https://leads.example.com", api: "https://leads.example.com/api" },
    });
    const commands = outputs?.commands ?? {};
    for (const command of Object.values(commands).filter((c) => c.startsWith("kubectl"))) {
      expect(command).toContain("-n leadms-production");
    }
    expect(commands.backupNow).toBe("scripts/backup-now.sh production");
  });
});
