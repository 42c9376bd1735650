import { describe, EXCEPTIONS, type KubernetesObject } from "../kubernetes-object.js";
import type { ObjectRule, StackRule } from "../rule.js";

const source = "leadms platform" as const;

/** Kinds that live outside namespaces. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolume",
  "StorageClass",
  "CustomResourceDefinition",
  "PriorityClass",
  "IngressClass",
]);
export const RECOMMENDED_LABELS = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
  "app.kubernetes.io/component",
  "app.kubernetes.io/part-of",
  "app.kubernetes.io/managed-by",
];
/** Keys that name a credential. */
const SECRET_KEY = /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential)/i;
/** Values that are credentials whatever their key: private keys, URLs with a password. */
const SECRET_VALUE = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:[^\s/@]+@/i];
/** Paths only the cluster may reach: scrapes and the detailed health report. */
const INTERNAL_PATHS = ["/metrics", "/health"];

interface IngressPath {
  readonly path?: string;
  readonly backend?: {
    readonly service?: { readonly name?: string; readonly port?: { name?: string; number?: number } };
  };
}

interface ServicePort {
  readonly name?: string;
  readonly port?: number;
  readonly targetPort?: number | string;
}

/** True when an Ingress backend's port of a Service is the port Prometheus scrapes (or cannot be told apart). */
function routesScrapePort(
  service: KubernetesObject,
  port: { name?: string; number?: number } | undefined,
): boolean {
  const scrapePort = Number(service.metadata?.annotations?.["prometheus.io/port"]);
  const ports = ((service.spec as { ports?: ServicePort[] } | undefined)?.ports ?? []) as ServicePort[];
  const routed = ports.find((p) =>
    port?.name !== undefined ? p.name === port.name : p.port === port?.number,
  );
  if (!routed || Number.isNaN(scrapePort)) return true;
  const target = typeof routed.targetPort === "number" ? routed.targetPort : undefined;
  if (routed.port === scrapePort || target === scrapePort) return true;
  // A named target port: the scrape port is another when the Service lists it under another name.
  const scrapeEntry = ports.find((p) => p.port === scrapePort);
  return scrapeEntry === undefined || scrapeEntry.name === routed.name;
}

function ingressPaths(ingress: KubernetesObject): IngressPath[] {
  const spec = ingress.spec as
    | { rules?: { http?: { paths?: IngressPath[] } }[]; defaultBackend?: IngressPath["backend"] }
    | undefined;
  const paths = (spec?.rules ?? []).flatMap((rule) => rule.http?.paths ?? []);
  return spec?.defaultBackend ? [...paths, { path: "/", backend: spec.defaultBackend }] : paths;
}

/** True when a request for `internal` would be routed by a Prefix path `path`. */
const routes = (path: string, internal: string) =>
  path === "/" || internal === path || internal.startsWith(`${path.replace(/\/$/, "")}/`);

export const platformRules: ObjectRule[] = [
  {
    name: "explicit-names",
    source,
    description:
      "Every object has an explicit metadata.name (auto-names break kubectl runbooks) and, when namespaced, a metadata.namespace.",
    check: (object) => {
      const problems: string[] = [];
      if (!object.metadata?.name) problems.push(`${object.kind} has no explicit metadata.name`);
      if (!CLUSTER_SCOPED.has(object.kind ?? "") && !object.metadata?.namespace) {
        problems.push(`${object.kind} ${object.metadata?.name ?? ""} has no explicit metadata.namespace`);
      }
      return problems;
    },
  },
  {
    name: "recommended-labels",
    source,
    description: `Every object carries the recommended labels ${RECOMMENDED_LABELS.join(", ")}.`,
    check: (object) =>
      RECOMMENDED_LABELS.filter((label) => !object.metadata?.labels?.[label]).map(
        (label) => `${describe(object)} has no ${label} label`,
      ),
  },
  {
    name: "no-secrets-in-configmaps",
    source,
    description:
      "ConfigMaps hold no credentials: no credential-named keys, no private keys, no URLs with passwords.",
    kinds: ["ConfigMap"],
    check: (object) => {
      const data = (object.data ?? {}) as Record<string, string>;
      return Object.entries(data).flatMap(([key, value]) => {
        if (SECRET_KEY.test(key)) return [`key "${key}" names a credential; put it in a Secret`];
        if (SECRET_VALUE.some((pattern) => pattern.test(value)))
          return [`key "${key}" holds a credential; put it in a Secret`];
        return [];
      });
    },
  },
  {
    name: "ingress-no-internal-paths",
    source,
    description: `No Ingress path routes ${INTERNAL_PATHS.join(" or ")} from outside the cluster.`,
    kinds: ["Ingress"],
    check: (object) =>
      ingressPaths(object)
        .filter(
          ({ path }) =>
            path !== undefined && path !== "/" && INTERNAL_PATHS.some((internal) => routes(path, internal)),
        )
        .map(({ path }) => `path "${path}" exposes an internal endpoint`),
  },
];

export const platformStackRules: StackRule[] = [
  {
    name: "exceptions-isolated",
    source,
    description:
      "An object exempt from rules (leadms.io/policy-exceptions) gives a reason and lives in a namespace of its own, declared privileged, with a reason too.",
    check: (objects) => {
      const namespaces = new Map(
        objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata?.name, o]),
      );
      return objects
        .filter((object) => object.metadata?.annotations?.[EXCEPTIONS] !== undefined)
        .flatMap((object) => {
          const reason = object.metadata?.annotations?.["leadms.io/policy-exception-reason"]?.trim();
          const namespace = namespaces.get(object.metadata?.namespace);
          const problems: string[] = [];
          if (!reason) problems.push("gives no leadms.io/policy-exception-reason");
          if (namespace?.metadata?.labels?.["pod-security.kubernetes.io/enforce"] !== "privileged") {
            problems.push("is not in a namespace of this stack that is declared privileged");
          }
          if (!namespace?.metadata?.annotations?.["leadms.io/policy-exception-reason"]?.trim()) {
            problems.push("is in a namespace that does not say why it is privileged");
          }
          const neighbours = objects.filter(
            (other) =>
              other !== object &&
              other.kind !== "Namespace" &&
              other.metadata?.namespace === object.metadata?.namespace,
          );
          if (neighbours.length > 0)
            problems.push(`shares its namespace with ${neighbours.map(describe).join(", ")}`);
          return problems.map((problem) => ({
            object,
            message: `${describe(object)} has policy exceptions but ${problem}`,
          }));
        });
    },
  },
  {
    name: "metrics-not-exposed",
    source,
    description:
      "No Ingress path routes a metrics or health endpoint: a scraped Service (prometheus.io/scrape) is reachable only on ports other than its scrape port, and not at /metrics or /health.",
    check: (objects) => {
      const scraped = new Map(
        objects
          .filter(
            (object) =>
              object.kind === "Service" && object.metadata?.annotations?.["prometheus.io/scrape"] === "true",
          )
          .map((service) => [`${service.metadata?.namespace}/${service.metadata?.name}`, service]),
      );
      return objects
        .filter((object) => object.kind === "Ingress")
        .flatMap((ingress) =>
          ingressPaths(ingress)
            .filter(({ path, backend }) => {
              const service = scraped.get(`${ingress.metadata?.namespace}/${backend?.service?.name}`);
              if (!service) return false;
              return (
                routesScrapePort(service, backend?.service?.port) &&
                INTERNAL_PATHS.some((internal) => routes(path ?? "/", internal))
              );
            })
            .map(({ path, backend }) => ({
              object: ingress,
              message: `${describe(ingress)} routes "${path}" to the scrape port of the Service ${backend?.service?.name}, exposing its internal endpoints`,
            })),
        );
    },
  },
];
