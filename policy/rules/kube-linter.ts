import {
  containersOf,
  describe,
  type KubernetesObject,
  LONG_RUNNING_KINDS,
  podTemplateOf,
  selects,
  specOf,
  WORKLOAD_KINDS,
} from "../kubernetes-object.js";
import type { ObjectRule, StackRule } from "../rule.js";

const source = "kube-linter" as const;

/** Names of variables that usually hold credentials. */
const SECRET_NAME = /(secret|password|passwd|token|api_?key|private_?key|credential)/i;

/** The tag of an image reference, or undefined when it has none (digest-only references have none). */
function imageTag(image: string): string | undefined {
  const withoutDigest = image.split("@")[0] as string;
  const lastPart = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const colon = lastPart.indexOf(":");
  return colon === -1 ? undefined : lastPart.slice(colon + 1);
}

const isZero = (value: unknown) => value === 0 || value === "0" || value === "0%";

export const kubeLinterRules: ObjectRule[] = [
  {
    name: "latest-tag",
    source,
    description: "Images must be pinned by digest or an explicit tag other than latest.",
    kinds: WORKLOAD_KINDS,
    check: (object) =>
      containersOf(podTemplateOf(object)?.spec).flatMap(({ label, container }) => {
        // An image not yet known (a build in a preview) cannot be judged.
        if (container.image === undefined) return [];
        const pinned = container.image.includes("@sha256:");
        const tag = imageTag(container.image);
        if (pinned || (tag !== undefined && tag !== "latest")) return [];
        return [`${label} runs image "${container.image}" without a digest or a tag other than latest`];
      }),
  },
  {
    name: "resource-requirements",
    source,
    description:
      "Containers must set CPU and memory requests and limits (kube-linter's unset-cpu-requirements and unset-memory-requirements).",
    kinds: WORKLOAD_KINDS,
    check: (object) =>
      containersOf(podTemplateOf(object)?.spec).flatMap(({ label, container }) =>
        (["requests", "limits"] as const).flatMap((kind) =>
          (["cpu", "memory"] as const)
            .filter((resource) => !container.resources?.[kind]?.[resource])
            .map((resource) => `${label} sets no ${resource} ${kind}`),
        ),
      ),
  },
  {
    name: "no-read-only-root-fs",
    source,
    description: "Containers must mount their root filesystem read-only.",
    kinds: WORKLOAD_KINDS,
    check: (object) =>
      containersOf(podTemplateOf(object)?.spec)
        .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem !== true)
        .map(({ label }) => `${label} does not set readOnlyRootFilesystem: true`),
  },
  {
    name: "env-var-secret",
    source,
    description: "Credentials must come from a Secret (valueFrom), never from a literal environment value.",
    kinds: WORKLOAD_KINDS,
    check: (object) =>
      containersOf(podTemplateOf(object)?.spec).flatMap(({ label, container }) =>
        (container.env ?? [])
          .filter(
            (variable) =>
              SECRET_NAME.test(variable.name) && variable.value !== undefined && variable.value !== "",
          )
          .map((variable) => `${label} sets ${variable.name} to a literal value`),
      ),
  },
  {
    name: "mismatching-selector",
    source,
    description: "A workload's selector must be non-empty and match its pod template's labels.",
    kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
    check: (object) => {
      const spec = specOf(object);
      return selects(spec.selector?.matchLabels, spec.template?.metadata?.labels)
        ? []
        : ["spec.selector.matchLabels is empty or does not match the pod template's labels"];
    },
  },
  {
    name: "missing-probes",
    source,
    description: "Long-running containers must have readiness and liveness probes.",
    kinds: LONG_RUNNING_KINDS,
    check: (object) =>
      (podTemplateOf(object)?.spec?.containers ?? []).flatMap((container) => [
        ...(container.readinessProbe ? [] : [`container "${container.name}" has no readinessProbe`]),
        ...(container.livenessProbe ? [] : [`container "${container.name}" has no livenessProbe`]),
      ]),
  },
  {
    name: "pdb-sanity",
    source,
    description:
      "A PodDisruptionBudget must allow some disruption: not maxUnavailable 0, not minAvailable 100%.",
    kinds: ["PodDisruptionBudget"],
    check: (object) => {
      const spec = (object.spec ?? {}) as { maxUnavailable?: unknown; minAvailable?: unknown };
      const problems: string[] = [];
      if (isZero(spec.maxUnavailable)) problems.push("maxUnavailable 0 blocks every node drain");
      if (spec.minAvailable === "100%") problems.push("minAvailable 100% blocks every node drain");
      return problems;
    },
  },
  {
    name: "job-ttl",
    source,
    description:
      "Jobs (and CronJobs' job templates) must set ttlSecondsAfterFinished so finished pods are cleaned up.",
    kinds: ["Job", "CronJob"],
    check: (object) => {
      const spec = specOf(object) as {
        ttlSecondsAfterFinished?: number;
        jobTemplate?: { spec?: { ttlSecondsAfterFinished?: number } };
      };
      const ttl =
        object.kind === "CronJob"
          ? spec.jobTemplate?.spec?.ttlSecondsAfterFinished
          : spec.ttlSecondsAfterFinished;
      return ttl === undefined ? ["ttlSecondsAfterFinished is not set"] : [];
    },
  },
];

interface Workload {
  readonly object: KubernetesObject;
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
}

function workloads(objects: readonly KubernetesObject[]): Workload[] {
  return objects
    .filter((object) => WORKLOAD_KINDS.includes(object.kind ?? ""))
    .map((object) => ({
      object,
      namespace: object.metadata?.namespace,
      labels: podTemplateOf(object)?.metadata?.labels ?? {},
    }));
}

/** The fewest and most replicas a workload runs: its autoscaler's range, or its declared replicas. */
function replicaRange(
  object: KubernetesObject,
  objects: readonly KubernetesObject[],
): { min: number; max: number } {
  const autoscaler = objects.find((candidate) => {
    const target = (candidate.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)
      ?.scaleTargetRef;
    return (
      candidate.kind === "HorizontalPodAutoscaler" &&
      candidate.metadata?.namespace === object.metadata?.namespace &&
      target?.kind === object.kind &&
      target?.name === object.metadata?.name
    );
  });
  if (autoscaler) {
    const spec = autoscaler.spec as { minReplicas?: number; maxReplicas?: number };
    return { min: spec.minReplicas ?? 1, max: spec.maxReplicas ?? 1 };
  }
  const replicas = specOf(object).replicas ?? 1;
  return { min: replicas, max: replicas };
}

export const kubeLinterStackRules: StackRule[] = [
  {
    name: "dangling-service",
    source,
    description: "Every Service with a selector must select the pods of some workload in its namespace.",
    check: (objects) => {
      const pods = workloads(objects);
      return objects
        .filter((object) => object.kind === "Service")
        .flatMap((service) => {
          const selector = (service.spec as { selector?: Record<string, string> } | undefined)?.selector;
          if (!selector) return [];
          const matched = pods.some(
            (pod) => pod.namespace === service.metadata?.namespace && selects(selector, pod.labels),
          );
          return matched
            ? []
            : [{ object: service, message: `${describe(service)} selects no pods of any workload` }];
        });
    },
  },
  {
    name: "no-anti-affinity",
    source,
    description:
      "A workload that can run 2 or more replicas must spread them across nodes (pod anti-affinity or a topology spread on kubernetes.io/hostname).",
    check: (objects) =>
      workloads(objects)
        .filter(
          ({ object }) =>
            ["Deployment", "StatefulSet"].includes(object.kind ?? "") &&
            replicaRange(object, objects).max >= 2,
        )
        .filter(({ object }) => {
          const pod = podTemplateOf(object)?.spec;
          const spread = pod?.topologySpreadConstraints?.some(
            (c) => c.topologyKey === "kubernetes.io/hostname",
          );
          return !pod?.affinity?.podAntiAffinity && !spread;
        })
        .map(({ object }) => ({
          object,
          message: `${describe(object)} can run several replicas on one node`,
        })),
  },
  {
    name: "pdb-min-available",
    source,
    description:
      "A PodDisruptionBudget's minAvailable must be lower than the replicas it protects, or no pod can ever be evicted.",
    check: (objects) =>
      objects
        .filter((object) => object.kind === "PodDisruptionBudget")
        .flatMap((budget) => {
          const spec = budget.spec as
            | { minAvailable?: unknown; selector?: { matchLabels?: Record<string, string> } }
            | undefined;
          if (typeof spec?.minAvailable !== "number") return [];
          const protectedPods = workloads(objects).filter(
            (pod) =>
              pod.namespace === budget.metadata?.namespace && selects(spec.selector?.matchLabels, pod.labels),
          );
          const minAvailable = spec.minAvailable;
          const tooHigh = protectedPods.some(
            ({ object }) => minAvailable >= replicaRange(object, objects).min,
          );
          return tooHigh
            ? [{ object: budget, message: `${describe(budget)} minAvailable is not below the replicas` }]
            : [];
        }),
  },
];
