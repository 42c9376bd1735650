import * as models from "kubernetes-models";
import type { KubernetesObject } from "../render/manifests.js";
import { describeObject, type FieldProblem } from "./field-check.js";

interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  new (data: unknown): { validate(): void };
}

const isModelClass = (value: unknown): value is ModelClass =>
  typeof value === "function" &&
  typeof (value as Partial<ModelClass>).apiVersion === "string" &&
  typeof (value as Partial<ModelClass>).kind === "string";

/** Every kind kubernetes-models knows, by `apiVersion/kind`: its modules are grouped by API group and version. */
function modelClasses(): Map<string, ModelClass> {
  const classes = new Map<string, ModelClass>();
  const visit = (module: Record<string, unknown>, depth: number) => {
    for (const value of Object.values(module)) {
      if (isModelClass(value)) classes.set(`${value.apiVersion}/${value.kind}`, value);
      else if (depth < 3 && value && typeof value === "object")
        visit(value as Record<string, unknown>, depth + 1);
    }
  };
  visit(models as unknown as Record<string, unknown>, 0);
  return classes;
}

const MODELS = modelClasses();

/** RFC 1123 label: Namespaces and Services (their names become DNS labels). */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: the name rule of most other kinds. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAMED_KINDS = new Set(["Namespace", "Service"]);

function nameProblems(object: KubernetesObject): string[] {
  const problems: string[] = [];
  const { name, namespace, labels } = object.metadata as {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  const labelName = LABEL_NAMED_KINDS.has(object.kind);
  if (!name) problems.push("metadata.name is not set");
  else if (
    labelName ? !DNS_LABEL.test(name) || name.length > 63 : !DNS_SUBDOMAIN.test(name) || name.length > 253
  ) {
    problems.push(`metadata.name "${name}" is not an RFC 1123 ${labelName ? "label" : "subdomain"}`);
  }
  if (namespace !== undefined && (!DNS_LABEL.test(namespace) || namespace.length > 63)) {
    problems.push(`metadata.namespace "${namespace}" is not an RFC 1123 label`);
  }
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (value.length > 63 || !LABEL_VALUE.test(value))
      problems.push(`label ${key}="${value}" is not a valid label value`);
  }
  return problems;
}

/**
 * Validates objects against the Kubernetes 1.33 schemas of kubernetes-models (types, required fields,
 * enums, quantities) and checks what those schemas leave out: names and label values.
 */
export function checkSchemas(objects: readonly KubernetesObject[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const object of objects) {
    const where = describeObject(object);
    const Model = MODELS.get(`${object.apiVersion}/${object.kind}`);
    if (!Model) {
      problems.push({
        object: where,
        message: `${object.apiVersion} ${object.kind} is not a Kubernetes 1.33 kind`,
      });
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
      for (const e of errors ?? [{ instancePath: "", message: String(error) }]) {
        problems.push({ object: where, message: `${e.instancePath || "/"} ${e.message ?? "is invalid"}` });
      }
    }
    for (const message of nameProblems(object)) problems.push({ object: where, message });
  }
  return problems;
}
