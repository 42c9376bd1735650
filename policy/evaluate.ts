import { describe, type KubernetesObject } from "./kubernetes-object.js";
import type { ObjectRule, StackRule } from "./rule.js";
import { objectRules, stackRules } from "./rules/index.js";

export interface Violation {
  readonly rule: string;
  readonly object: string;
  readonly message: string;
}

export function applies(rule: ObjectRule, object: KubernetesObject): boolean {
  return !rule.kinds || rule.kinds.includes(object.kind ?? "");
}

/** Every violation of the given rules (all the pack's rules by default) among `objects`. */
export function evaluate(
  objects: readonly KubernetesObject[],
  rules: { objectRules: readonly ObjectRule[]; stackRules: readonly StackRule[] } = {
    objectRules,
    stackRules,
  },
): Violation[] {
  const violations: Violation[] = [];
  for (const object of objects) {
    for (const rule of rules.objectRules.filter((candidate) => applies(candidate, object))) {
      for (const message of rule.check(object))
        violations.push({ rule: rule.name, object: describe(object), message });
    }
  }
  for (const rule of rules.stackRules) {
    for (const { object, message } of rule.check(objects))
      violations.push({ rule: rule.name, object: describe(object), message });
  }
  return violations;
}
