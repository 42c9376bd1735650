import type * as inputs from "@pulumi/kubernetes/types/input.js";

/** Pod-level settings of the restricted Pod Security profile, for a numeric user and group. */
export function restrictedPodSecurity(uid: number): inputs.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Container settings of the restricted profile, with a read-only root filesystem. */
export function restrictedContainerSecurity(uid: number): inputs.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
