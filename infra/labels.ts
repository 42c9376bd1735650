/** The Kubernetes recommended labels every object of the platform carries. */
export interface AppLabels {
  /** What the object is part of: "backend", "frontend", "postgres". */
  readonly name: string;
  /** The environment: the stack name. */
  readonly instance: string;
  /** The role within the architecture: "api", "web", "database", "cache", "platform". */
  readonly component: string;
}

export const PART_OF = "leadms";

export function recommendedLabels({ name, instance, component }: AppLabels): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/instance": instance,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The stable subset used in selectors: labels that never change over a workload's life. */
export function selectorLabels({ name, instance }: AppLabels): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": instance };
}

/** A NetworkPolicy peer: the pods of one app name, in the named namespace (the policy's own when absent). */
export function pods(name: string, namespace?: string) {
  return {
    ...(namespace
      ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } }
      : {}),
    podSelector: { matchLabels: { "app.kubernetes.io/name": name } },
  };
}
