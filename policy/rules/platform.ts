import { describe, type KubernetesObject } from "../kubernetes-object.js";
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
  readonly backend?: { readonly service?: { readonly name?: string } };
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
    name: "metrics-not-exposed",
    source,
    description:
      "No Ingress path routes a metrics or health endpoint of a scraped Service (annotated prometheus.io/scrape).",
    check: (objects) => {
      const scraped = new Set(
        objects
          .filter(
            (object) =>
              object.kind === "Service" && object.metadata?.annotations?.["prometheus.io/scrape"] === "true",
          )
          .map((service) => `${service.metadata?.namespace}/${service.metadata?.name}`),
      );
      return objects
        .filter((object) => object.kind === "Ingress")
        .flatMap((ingress) =>
          ingressPaths(ingress)
            .filter(({ path, backend }) => {
              if (!scraped.has(`${ingress.metadata?.namespace}/${backend?.service?.name}`)) return false;
              return INTERNAL_PATHS.some((internal) => routes(path ?? "/", internal));
            })
            .map(({ path, backend }) => ({
              object: ingress,
              message: `${describe(ingress)} routes "${path}" to the scraped Service ${backend?.service?.name}, exposing its internal endpoints`,
            })),
        );
    },
  },
];
