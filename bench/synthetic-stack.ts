import { EnvironmentNamespace } from "../infra/components/namespace.js";
import { WebService } from "../infra/components/web-service.js";
import { loadStackConfig, type StackConfig } from "../infra/config.js";

/** A namespace and `count` copies of the frontend's WebService: how render time grows with services. */
export function declareSyntheticStack(count: number, config: StackConfig = loadStackConfig("staging")): void {
  const namespace = new EnvironmentNamespace("environment", {
    name: config.namespace,
    instance: config.stack,
    quota: config.settings.quota,
  }).name;
  for (let i = 0; i < count; i++) {
    new WebService(`service-${i}`, {
      namespace,
      labels: { name: `service-${i}`, instance: config.stack, component: "web" },
      image: `registry.example.com/service-${i}@sha256:${"0".repeat(64)}`,
      port: 8080,
      settings: config.settings.frontend,
      probes: { startup: "/healthz", readiness: "/healthz", liveness: "/healthz" },
      runAsUser: 101,
      terminationGracePeriodSeconds: 15,
      allowFrom: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress" } } }],
      egress: [],
    });
  }
}
