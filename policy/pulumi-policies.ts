import type { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { applies } from "./evaluate.js";
import type { KubernetesObject } from "./kubernetes-object.js";
import type { ObjectRule, StackRule } from "./rule.js";

/** Kubernetes resources of the Pulumi Kubernetes provider; its own meta-resources (Helm, YAML groups) are left out. */
const isKubernetesObject = (type: string) =>
  type.startsWith("kubernetes:") && !type.startsWith("kubernetes:pulumi:");

/** A resource's props as the Kubernetes object it declares. */
const asObject = (props: Record<string, unknown>) => props as KubernetesObject;

export function toResourcePolicy(rule: ObjectRule): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: `${rule.description} (${rule.source})`,
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      if (!isKubernetesObject(args.type)) return;
      const object = asObject(args.props);
      if (!applies(rule, object)) return;
      for (const message of rule.check(object)) reportViolation(message);
    },
  };
}

export function toStackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    name: rule.name,
    description: `${rule.description} (${rule.source})`,
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      const resources = args.resources.filter((resource) => isKubernetesObject(resource.type));
      const objects = resources.map((resource) => asObject(resource.props));
      for (const { object, message } of rule.check(objects)) {
        reportViolation(message, resources[objects.indexOf(object)]?.urn);
      }
    },
  };
}

export function toPolicies(objectRules: readonly ObjectRule[], stackRules: readonly StackRule[]): Policy[] {
  return [...objectRules.map(toResourcePolicy), ...stackRules.map(toStackPolicy)];
}
