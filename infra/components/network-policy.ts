import * as k8s from "@pulumi/kubernetes";
import type * as inputs from "@pulumi/kubernetes/types/input.js";
import type * as pulumi from "@pulumi/pulumi";

/** TCP ports, as NetworkPolicy rules list them. */
export function tcp(...ports: number[]): inputs.networking.v1.NetworkPolicyPort[] {
  return ports.map((port) => ({ protocol: "TCP", port }));
}

/**
 * Egress to any address on these ports: for what lives outside the cluster (external databases, Slack,
 * object storage) or at an address that depends on the cluster (the API server).
 */
export function toAnyAddress(...ports: number[]): inputs.networking.v1.NetworkPolicyEgressRule {
  return { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(...ports) };
}

/** The API server: 443 behind its Service, 6443 where the cluster routes to it directly. */
export const TO_API_SERVER = toAnyAddress(443, 6443);

export interface PodTraffic {
  readonly metadata: inputs.meta.v1.ObjectMeta;
  /** The labels of the pods the policy applies to. */
  readonly selector: Record<string, string>;
  readonly ingress: inputs.networking.v1.NetworkPolicySpec["ingress"];
  readonly egress: inputs.networking.v1.NetworkPolicySpec["egress"];
}

/** A workload's NetworkPolicy: traffic both ways is denied but for the rules given. */
export function declarePodNetworkPolicy(
  parent: pulumi.Resource,
  name: string,
  traffic: PodTraffic,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    {
      metadata: traffic.metadata,
      spec: {
        podSelector: { matchLabels: traffic.selector },
        policyTypes: ["Ingress", "Egress"],
        ingress: traffic.ingress,
        egress: traffic.egress,
      },
    },
    { parent },
  );
}
