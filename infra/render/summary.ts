import { formatCpu, formatMemory, parseQuantity } from "../quantity.js";
import type { KubernetesObject } from "./manifests.js";
import type { RecordedResource } from "./recording-mocks.js";

export interface ResourceTotals {
  readonly requests: { readonly cpu: number; readonly memory: number };
  readonly limits: { readonly cpu: number; readonly memory: number };
}

export interface RenderSummary {
  readonly objectsByKind: Readonly<Record<string, number>>;
  /** CPU (cores) and memory (bytes) of the serving workloads' pods at their declared (or minimum) replicas. */
  readonly totals: ResourceTotals;
  /** The same for one pod of each Job and CronJob: what the stack claims while they all run. */
  readonly scheduled: ResourceTotals;
  /** The serving totals by namespace (a DaemonSet counts once: per node). */
  readonly byNamespace: Readonly<Record<string, ResourceTotals>>;
  /** Images the workloads run, by container. */
  readonly images: Readonly<Record<string, string>>;
  /** Resources outside Kubernetes (images built and pushed, generated passwords), by Pulumi type. */
  readonly otherResources: Readonly<Record<string, number>>;
}

interface PodSpecLike {
  containers?: {
    name: string;
    image?: string;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  }[];
}

/** Workloads whose pods run all the time, and those that run on a schedule. */
const SERVING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
const SCHEDULED_KINDS = new Set(["Job", "CronJob"]);

interface WorkloadSpec {
  template?: { spec?: PodSpecLike };
  jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } };
}

export function podSpecOf(object: KubernetesObject): PodSpecLike | undefined {
  const spec = object.spec as WorkloadSpec | undefined;
  if (object.kind === "CronJob") return spec?.jobTemplate?.spec?.template?.spec;
  return spec?.template?.spec;
}

/** Pods a workload runs: its replicas, or the minimum of the autoscaler that owns it. */
function replicasOf(object: KubernetesObject, minReplicasByTarget: Map<string, number>): number {
  const key = `${object.metadata.namespace}/${object.kind}/${object.metadata.name}`;
  const fromAutoscaler = minReplicasByTarget.get(key);
  if (fromAutoscaler !== undefined) return fromAutoscaler;
  const replicas = (object.spec as { replicas?: number } | undefined)?.replicas;
  return object.kind === "Deployment" || object.kind === "StatefulSet" ? (replicas ?? 1) : 1;
}

export function summarize(
  objects: readonly KubernetesObject[],
  resources: readonly RecordedResource[],
): RenderSummary {
  const objectsByKind: Record<string, number> = {};
  for (const object of objects) objectsByKind[object.kind] = (objectsByKind[object.kind] ?? 0) + 1;

  const minReplicasByTarget = new Map<string, number>();
  for (const object of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const spec = object.spec as { scaleTargetRef: { kind: string; name: string }; minReplicas?: number };
    const target = `${object.metadata.namespace}/${spec.scaleTargetRef.kind}/${spec.scaleTargetRef.name}`;
    minReplicasByTarget.set(target, spec.minReplicas ?? 1);
  }

  const zero = () => ({ requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } });
  const totals = zero();
  const scheduled = zero();
  const byNamespace: Record<string, ReturnType<typeof zero>> = {};
  const images: Record<string, string> = {};
  for (const object of objects) {
    const serving = SERVING_KINDS.has(object.kind);
    if (!serving && !SCHEDULED_KINDS.has(object.kind)) continue;
    const replicas = serving ? replicasOf(object, minReplicasByTarget) : 1;
    const namespace = object.metadata.namespace ?? "";
    byNamespace[namespace] ??= zero();
    const sums = serving ? [totals, byNamespace[namespace]] : [scheduled];
    for (const container of podSpecOf(object)?.containers ?? []) {
      images[`${object.kind}/${object.metadata.name}/${container.name}`] = container.image ?? "(none)";
      for (const kind of ["requests", "limits"] as const) {
        const declared = container.resources?.[kind] ?? {};
        for (const sum of sums) {
          if (declared.cpu) sum[kind].cpu += replicas * parseQuantity(declared.cpu);
          if (declared.memory) sum[kind].memory += replicas * parseQuantity(declared.memory);
        }
      }
    }
  }

  const otherResources: Record<string, number> = {};
  for (const resource of resources) {
    if (resource.type.startsWith("kubernetes:") || resource.type.startsWith("leadms:")) continue;
    otherResources[resource.type] = (otherResources[resource.type] ?? 0) + 1;
  }
  return { objectsByKind, totals, scheduled, byNamespace, images, otherResources };
}

/** The summary as the renderer prints it. */
export function formatSummary(stack: string, summary: RenderSummary): string {
  const count = Object.values(summary.objectsByKind).reduce((sum, n) => sum + n, 0);
  const lines = [`stack ${stack}: ${count} Kubernetes objects`];
  for (const [kind, n] of Object.entries(summary.objectsByKind).sort())
    lines.push(`  ${kind.padEnd(26)} ${n}`);
  const resources = ({ requests, limits }: ResourceTotals) => [
    `  requests  cpu ${formatCpu(requests.cpu).padStart(7)}  memory ${formatMemory(requests.memory)}`,
    `  limits    cpu ${formatCpu(limits.cpu).padStart(7)}  memory ${formatMemory(limits.memory)}`,
  ];
  lines.push("resources at the declared (or autoscaler minimum) replicas:", ...resources(summary.totals));
  for (const [namespace, totals] of Object.entries(summary.byNamespace).sort()) {
    if (totals.requests.cpu === 0 && totals.requests.memory === 0) continue;
    lines.push(`  of which in ${namespace}:`, ...resources(totals).map((line) => `  ${line}`));
  }
  const monitoring = Object.entries(summary.byNamespace).filter(([namespace]) =>
    /-(monitoring|node-exporter)$/.test(namespace),
  );
  if (monitoring.length > 0) {
    const total = (kind: "requests" | "limits", resource: "cpu" | "memory") =>
      monitoring.reduce((sum, [, totals]) => sum + totals[kind][resource], 0);
    lines.push(
      "the whole monitoring stack, for comparison with the charts' defaults:",
      `  requests  cpu ${formatCpu(total("requests", "cpu")).padStart(7)}  memory ${formatMemory(total("requests", "memory"))}` +
        `    limits  cpu ${formatCpu(total("limits", "cpu"))}  memory ${formatMemory(total("limits", "memory"))}`,
      "  Loki chart, single binary: requests 2 CPU / 2Gi, plus about 11 GiB of memcached caches enabled by default",
      "  kube-prometheus-stack: none set (resources: {})",
    );
  }
  if (summary.scheduled.requests.cpu > 0 || summary.scheduled.requests.memory > 0) {
    lines.push("and while every scheduled job runs, one pod each:", ...resources(summary.scheduled));
  }
  lines.push("images (a build's digest is known only after the push; offline it is a placeholder):");
  for (const [container, image] of Object.entries(summary.images)) lines.push(`  ${container}: ${image}`);
  if (Object.keys(summary.otherResources).length > 0) {
    lines.push("other resources:");
    for (const [type, n] of Object.entries(summary.otherResources).sort()) lines.push(`  ${type} ${n}`);
  }
  return lines.join("\n");
}
