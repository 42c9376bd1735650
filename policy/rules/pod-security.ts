import { containersOf, podTemplateOf, type SecurityContext, WORKLOAD_KINDS } from "../kubernetes-object.js";
import type { ObjectRule } from "../rule.js";

/** Volume types the restricted profile allows; hostPath and the rest give access to the node. */
const ALLOWED_VOLUME_TYPES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
/** Sysctls the baseline profile (and so restricted) considers safe. */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const ALLOWED_SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

const source = "Pod Security restricted" as const;

/** A pod-level rule: runs `check` on the pod template of every workload. */
function podRule(
  name: string,
  description: string,
  check: (pod: NonNullable<ReturnType<typeof podTemplateOf>>["spec"]) => string[],
): ObjectRule {
  return {
    name,
    source,
    description,
    kinds: WORKLOAD_KINDS,
    check: (object) => {
      const pod = podTemplateOf(object)?.spec;
      return pod ? check(pod) : [];
    },
  };
}

/** A container's effective setting: its own, else the pod's. */
const effective = <K extends keyof SecurityContext>(
  pod: SecurityContext | undefined,
  own: SecurityContext | undefined,
  key: K,
) => own?.[key] ?? pod?.[key];

export const podSecurityRules: ObjectRule[] = [
  podRule("pss-privileged", "Containers must not run privileged.", (pod) =>
    containersOf(pod)
      .filter(({ container }) => container.securityContext?.privileged === true)
      .map(({ label }) => `${label} is privileged`),
  ),
  podRule("pss-host-namespaces", "Pods must not share the node's network, PID or IPC namespace.", (pod) =>
    (["hostNetwork", "hostPID", "hostIPC"] as const)
      .filter((field) => pod?.[field] === true)
      .map((field) => `${field} is true`),
  ),
  podRule("pss-host-ports", "Containers must not bind ports on the node.", (pod) =>
    containersOf(pod)
      .filter(({ container }) =>
        container.ports?.some((port) => port.hostPort !== undefined && port.hostPort !== 0),
      )
      .map(({ label }) => `${label} declares a hostPort`),
  ),
  podRule(
    "pss-volume-types",
    "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, PVC, projected and secret volumes (no hostPath).",
    (pod) =>
      (pod?.volumes ?? []).flatMap((volume) =>
        Object.keys(volume)
          .filter((field) => field !== "name" && !ALLOWED_VOLUME_TYPES.has(field))
          .map((field) => `volume "${volume.name}" is of type ${field}`),
      ),
  ),
  podRule(
    "pss-capabilities",
    "Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE.",
    (pod) =>
      containersOf(pod).flatMap(({ label, container }) => {
        const capabilities = container.securityContext?.capabilities;
        const problems: string[] = [];
        if (!capabilities?.drop?.includes("ALL")) problems.push(`${label} does not drop ALL capabilities`);
        for (const added of capabilities?.add ?? []) {
          if (added !== "NET_BIND_SERVICE") problems.push(`${label} adds capability ${added}`);
        }
        return problems;
      }),
  ),
  podRule(
    "pss-privilege-escalation",
    "Containers must set allowPrivilegeEscalation: false (also kube-linter's privilege-escalation-container).",
    (pod) =>
      containersOf(pod)
        .filter(({ container }) => container.securityContext?.allowPrivilegeEscalation !== false)
        .map(({ label }) => `${label} does not set allowPrivilegeEscalation: false`),
  ),
  podRule(
    "pss-run-as-non-root",
    "Containers must run as non-root: runAsNonRoot true and never user 0 (also kube-linter's run-as-non-root).",
    (pod) =>
      containersOf(pod).flatMap(({ label, container }) => {
        const own = container.securityContext;
        const problems: string[] = [];
        if (effective(pod?.securityContext, own, "runAsNonRoot") !== true)
          problems.push(`${label} does not set runAsNonRoot: true`);
        if (effective(pod?.securityContext, own, "runAsUser") === 0) problems.push(`${label} runs as user 0`);
        return problems;
      }),
  ),
  podRule("pss-seccomp", "Containers must use the RuntimeDefault or a Localhost seccomp profile.", (pod) =>
    containersOf(pod)
      .filter(({ container }) => {
        const type = effective(pod?.securityContext, container.securityContext, "seccompProfile")?.type;
        return type !== "RuntimeDefault" && type !== "Localhost";
      })
      .map(({ label }) => `${label} has no RuntimeDefault or Localhost seccomp profile`),
  ),
  podRule(
    "pss-host-level-settings",
    "No unsafe sysctls, no unmasked /proc, no custom SELinux user or role, AppArmor not unconfined.",
    (pod) => {
      const problems = (pod?.securityContext?.sysctls ?? [])
        .filter((sysctl) => !SAFE_SYSCTLS.has(sysctl.name))
        .map((sysctl) => `sysctl ${sysctl.name} is not in the safe set`);
      const contexts = [
        { label: "the pod", context: pod?.securityContext },
        ...containersOf(pod).map(({ label, container }) => ({ label, context: container.securityContext })),
      ];
      for (const { label, context } of contexts) {
        if (context?.procMount !== undefined && context.procMount !== "Default")
          problems.push(`${label} sets procMount ${context.procMount}`);
        const selinux = context?.seLinuxOptions;
        if (selinux && (selinux.user || selinux.role || !ALLOWED_SELINUX_TYPES.has(selinux.type ?? ""))) {
          problems.push(`${label} sets SELinux options the restricted profile forbids`);
        }
        if (context?.appArmorProfile?.type === "Unconfined")
          problems.push(`${label} runs AppArmor unconfined`);
      }
      return problems;
    },
  ),
];
