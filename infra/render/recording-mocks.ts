import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** One resource the program registered, with its inputs as the engine would have received them. */
export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/** Stands in for a secret value wherever one would be written. */
export const SECRET_PLACEHOLDER = "<secret value, not shown offline>";

const secret = (value: unknown) => ({
  [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig,
  value,
});

/** The digest an image will have once pushed is unknown offline; this marks it and stays stable. */
export function unbuiltDigest(imageName: string): string {
  const repository = imageName.replace(/:[^/:]+$/, "");
  return `${repository}@sha256:${createHash("sha256").update(`unbuilt:${imageName}`).digest("hex")}`;
}

/**
 * Pulumi mocks that record every registered resource and answer with its inputs as its state, plus
 * the outputs the program reads back from providers: a generated password, a pushed image's digest.
 */
export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs });
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "random:index/randomPassword:RandomPassword") state.result = secret(SECRET_PLACEHOLDER);
    if (args.type === "docker:index/image:Image")
      state.repoDigest = unbuiltDigest(String(args.inputs.imageName));
    return { id: `${args.name}-id`, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`the program called ${args.token}, which the offline renderer cannot answer`);
  }
}
