import type { KubernetesObject } from "./kubernetes-object.js";

/** Where a rule comes from, shown in its description. */
export type RuleSource = "Pod Security restricted" | "kube-linter" | "leadms platform";

/** A rule about one object: returns a message for each way the object breaks it. */
export interface ObjectRule {
  readonly name: string;
  readonly source: RuleSource;
  readonly description: string;
  /** Kinds the rule looks at; all kinds when absent. */
  readonly kinds?: readonly string[];
  check(object: KubernetesObject): string[];
}

export interface StackViolation {
  /** The offending object. */
  readonly object: KubernetesObject;
  readonly message: string;
}

/** A rule about how objects relate (a Service and the pods it selects). */
export interface StackRule {
  readonly name: string;
  readonly source: RuleSource;
  readonly description: string;
  check(objects: readonly KubernetesObject[]): StackViolation[];
}
