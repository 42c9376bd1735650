import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../config.js";
import { declareStack } from "../stack.js";
import { isKubernetesResource, type KubernetesObject, sortObjects, toKubernetesObject } from "./manifests.js";
import { type RecordedResource, RecordingMocks } from "./recording-mocks.js";
import type { StackConfigValues } from "./stack-file.js";

export const PROJECT = "leadms";

export interface RenderedStack {
  readonly stack: string;
  /** Every Kubernetes object, in a stable order, secrets replaced by a placeholder. */
  readonly objects: readonly KubernetesObject[];
  /** Everything the program registered, components and non-Kubernetes resources included. */
  readonly resources: readonly RecordedResource[];
}

/** Pulumi's runtime state is global to the process: renders take turns, in the order they were asked for. */
let previousRender: Promise<unknown> = Promise.resolve();

/**
 * Runs a program under Pulumi's mocks with the given stack config and returns what it declared. The
 * program is a function, so one process can render several stacks; concurrent calls run one at a time.
 */
export function renderProgram(
  stack: string,
  values: StackConfigValues,
  program: () => void,
): Promise<RenderedStack> {
  const result = previousRender.then(
    () => renderAlone(stack, values, program),
    () => renderAlone(stack, values, program),
  );
  previousRender = result.catch(() => undefined);
  return result;
}

async function renderAlone(
  stack: string,
  values: StackConfigValues,
  program: () => void,
): Promise<RenderedStack> {
  const mocks = new RecordingMocks();
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, true);
  pulumi.runtime.setAllConfig(values.config, values.secretKeys);
  try {
    program();
  } finally {
    // Waits until every resource is registered (and surfaces errors raised inside outputs).
    await pulumi.runtime.disconnect();
  }
  const objects = sortObjects(mocks.resources.filter(isKubernetesResource).map(toKubernetesObject));
  return { stack, objects, resources: mocks.resources };
}

/** Renders the leadms program for a stack: the same config loading and composition as `pulumi up`. */
export function renderStack(stack: string, values: StackConfigValues): Promise<RenderedStack> {
  return renderProgram(stack, values, () => {
    declareStack(loadStackConfig(stack));
  });
}
