import { describe, EXCEPTION_REASON, EXCEPTIONS, type KubernetesObject } from "./kubernetes-object.js";
import type { ObjectRule, StackRule } from "./rule.js";
import { objectRules, stackRules } from "./rules/index.js";

export interface Violation {
  readonly rule: string;
  readonly object: string;
  readonly message: string;
}

/** Rules an object is exempt from: listed in its annotation, and only with a reason beside them. */
export function exceptionsOf(object: KubernetesObject): string[] {
  const annotations = object.metadata?.annotations ?? {};
  if (!annotations[EXCEPTION_REASON]?.trim()) return [];
  return (annotations[EXCEPTIONS] ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
}

export function applies(rule: ObjectRule, object: KubernetesObject): boolean {
  if (rule.kinds && !rule.kinds.includes(object.kind ?? "")) return false;
  return !exceptionsOf(object).includes(rule.name);
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
