/** A Kubernetes object as declared: what every rule reads. Fields are optional, as in a preview. */
export interface KubernetesObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

export interface SecurityContext {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly appArmorProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string };
  readonly procMount?: string;
  readonly sysctls?: readonly { readonly name: string }[];
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
  readonly ports?: readonly { readonly hostPort?: number }[];
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string>>;
    readonly limits?: Readonly<Record<string, string>>;
  };
  readonly readinessProbe?: unknown;
  readonly livenessProbe?: unknown;
  readonly securityContext?: SecurityContext;
}

export interface PodSpec {
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: SecurityContext;
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Record<string, unknown>[];
  readonly affinity?: { readonly podAntiAffinity?: unknown };
  readonly topologySpreadConstraints?: readonly { readonly topologyKey?: string }[];
}

export interface PodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: PodSpec;
}

interface WorkloadSpec {
  readonly replicas?: number;
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly template?: PodTemplate;
  readonly jobTemplate?: { readonly spec?: { readonly template?: PodTemplate } };
}

/** Annotations of a documented exception: the rules an object is exempt from, and why. */
export const EXCEPTIONS = "leadms.io/policy-exceptions";
export const EXCEPTION_REASON = "leadms.io/policy-exception-reason";

/** Kinds whose objects run pods, and so carry a pod template. */
export const WORKLOAD_KINDS = [
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "ReplicaSet",
  "Job",
  "CronJob",
  "Pod",
];
/** Workloads that run until stopped, and so need probes. */
export const LONG_RUNNING_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"];

export const specOf = (object: KubernetesObject) => (object.spec ?? {}) as WorkloadSpec;

/** The pod template of a workload, or the pod itself. */
export function podTemplateOf(object: KubernetesObject): PodTemplate | undefined {
  if (object.kind === "Pod") return { metadata: object.metadata, spec: object.spec as PodSpec | undefined };
  const spec = specOf(object);
  return object.kind === "CronJob" ? spec.jobTemplate?.spec?.template : spec.template;
}

/** Every container of a pod spec, init containers included, with what it is called in messages. */
export function containersOf(pod: PodSpec | undefined): { label: string; container: Container }[] {
  const all = [
    ...(pod?.initContainers ?? []).map((container) => ({
      label: `init container "${container.name}"`,
      container,
    })),
    ...(pod?.containers ?? []).map((container) => ({ label: `container "${container.name}"`, container })),
  ];
  return all;
}

/** `Kind namespace/name`, for messages about an object among others. */
export function describe(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace ? `${object.metadata.namespace}/` : "";
  return `${object.kind} ${namespace}${object.metadata?.name ?? "(unnamed)"}`;
}

/** True when every label of `selector` is among `labels`. */
export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
) {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
