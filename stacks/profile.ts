import type { StackSettings } from "../infra/config-schema.js";

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * What an environment is by default. The stack file (`Pulumi.<stack>.yaml`) adds what is specific to one
 * installation (hostnames, registry, external endpoints) and the secrets; both are merged and validated
 * together, so a profile may leave out what only an installation knows.
 */
export type StackProfile = DeepPartial<StackSettings>;
