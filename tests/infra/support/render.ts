import { loadStackConfig, type StackConfig } from "../../../infra/config.js";
import type { KubernetesObject } from "../../../infra/render/manifests.js";
import { type RenderedStack, renderProgram, renderStack } from "../../../infra/render/render-stack.js";
import { readStackConfig, type StackConfigValues } from "../../../infra/render/stack-file.js";

const ROOT = new URL("../../../", import.meta.url);
export const rootPath = (relative: string) => new URL(relative, ROOT).pathname;

/** A stack's config from its committed file, with values replaced or added (`undefined` removes a key). */
export function stackValues(
  stack: string,
  overrides: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
): StackConfigValues {
  const base = readStackConfig(rootPath("Pulumi.yaml"), rootPath(`Pulumi.${stack}.yaml`));
  const config = { ...base.config };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[`leadms:${key}`];
    else config[`leadms:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
  }
  for (const [key, value] of Object.entries(secrets)) config[`leadms:${key}`] = value;
  return { config, secretKeys: [...base.secretKeys, ...Object.keys(secrets).map((key) => `leadms:${key}`)] };
}

export function render(
  stack: string,
  overrides?: Record<string, unknown>,
  secrets?: Record<string, string>,
): Promise<RenderedStack> {
  return renderStack(stack, stackValues(stack, overrides, secrets));
}

/** The one object of a kind and name (in a namespace, when given); fails the test naming what is missing. */
export function find(
  objects: readonly KubernetesObject[],
  kind: string,
  name: string,
  namespace?: string,
): any {
  const found = objects.filter(
    (object) =>
      object.kind === kind &&
      object.metadata.name === name &&
      (namespace === undefined || object.metadata.namespace === namespace),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} "${name}", found ${found.length}`);
  return found[0];
}

export const kinds = (objects: readonly KubernetesObject[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.name}`);

/** A stack's validated config, read the way the program reads it. */
export async function stackConfig(stack: string): Promise<StackConfig> {
  let config: StackConfig | undefined;
  await renderProgram(stack, stackValues(stack), () => {
    config = loadStackConfig(stack);
  });
  if (!config) throw new Error(`no config for ${stack}`);
  return config;
}

/** The stacks this repository defines, each in a Pulumi.<stack>.yaml. */
export const STACKS = ["staging", "production"] as const;
export type StackName = (typeof STACKS)[number];

/** Every stack's validated config, by stack name. */
export async function stackConfigs(): Promise<Record<StackName, StackConfig>> {
  const entries = await Promise.all(STACKS.map(async (stack) => [stack, await stackConfig(stack)] as const));
  return Object.fromEntries(entries) as Record<StackName, StackConfig>;
}
