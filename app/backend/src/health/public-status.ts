import type { CheckResult } from "./dependency-check.js";

/** What the public status page shows: states only, no versions, hosts, latencies or error text. */
export interface PublicStatus {
  readonly status: "operational" | "degraded" | "outage";
  readonly services: readonly { readonly name: string; readonly status: "up" | "down" }[];
  readonly checkedAt: string;
}

/** Public names of the dependencies; the internal ones (and their products) stay private. */
const PUBLIC_NAMES: Readonly<Record<string, string>> = {
  postgres: "database",
  redis: "cache",
  elasticsearch: "search",
};

export interface CheckedDependency {
  readonly critical: boolean;
  readonly result: CheckResult;
}

/**
 * The summary of the API and its dependencies that anyone may read. A pod's own shutdown is left out:
 * it is routine during a rollout, and the other pods behind the Service carry on.
 */
export function publicStatus(dependencies: readonly CheckedDependency[]): PublicStatus {
  const services: { name: string; status: "up" | "down" }[] = [{ name: "api", status: "up" }];
  let status: PublicStatus["status"] = "operational";
  for (const { critical, result } of dependencies) {
    services.push({ name: PUBLIC_NAMES[result.name] ?? "other", status: result.up ? "up" : "down" });
    if (!result.up) status = critical ? "outage" : status === "operational" ? "degraded" : status;
  }
  return { status, services, checkedAt: new Date().toISOString() };
}
