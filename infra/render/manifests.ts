import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, SECRET_PLACEHOLDER } from "./recording-mocks.js";

/** A Kubernetes object as it would be sent to the API server. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name?: string; namespace?: string; [key: string]: unknown };
  readonly [key: string]: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Secret inputs arrive wrapped; the wrapper also spreads to the whole top-level property around them. */
function isSecretWrapper(value: unknown): value is { value: unknown } {
  return isObject(value) && value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** The plain value: wrappers removed, unset (undefined) fields dropped. */
export function unwrap(value: unknown): unknown {
  if (isSecretWrapper(value)) return unwrap(value.value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (!isObject(value)) return value;
  const plain: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) plain[key] = unwrap(field);
  }
  return plain;
}

/** Every value of a Secret's data, whatever the program put there, becomes the placeholder. */
function redactSecretData(object: Record<string, unknown>): Record<string, unknown> {
  const redacted = { ...object };
  for (const field of ["data", "stringData"]) {
    const data = object[field];
    if (isObject(data)) {
      redacted[field] = Object.fromEntries(Object.keys(data).map((key) => [key, SECRET_PLACEHOLDER]));
    }
  }
  return redacted;
}

export const isKubernetesResource = (resource: RecordedResource) =>
  resource.type.startsWith("kubernetes:") && !resource.type.startsWith("kubernetes:pulumi:");

/** The Kubernetes object a recorded `kubernetes:*` resource declares. */
export function toKubernetesObject(resource: RecordedResource): KubernetesObject {
  const plain = unwrap(resource.inputs) as Record<string, unknown>;
  const object = plain.kind === "Secret" ? redactSecretData(plain) : plain;
  if (
    typeof object.apiVersion !== "string" ||
    typeof object.kind !== "string" ||
    !isObject(object.metadata)
  ) {
    throw new Error(`${resource.type} "${resource.name}" has no apiVersion, kind or metadata`);
  }
  return object as KubernetesObject;
}

const sortKey = (object: KubernetesObject) =>
  `${object.metadata.namespace ?? ""}\u0000${object.kind}\u0000${object.metadata.name ?? ""}`;

/** Objects in a stable order: by namespace, kind, then name. */
export function sortObjects(objects: readonly KubernetesObject[]): KubernetesObject[] {
  return [...objects].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
}

/** The file an object is written to: `<namespace or _cluster>/<kind>-<name>.yaml`. */
export function objectPath(object: KubernetesObject): string {
  return `${object.metadata.namespace ?? "_cluster"}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}
