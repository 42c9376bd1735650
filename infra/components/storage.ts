import type * as inputs from "@pulumi/kubernetes/types/input.js";

export interface StorageSettings {
  readonly storageSize: string;
  /** The cluster's default class when absent. */
  readonly storageClass?: string;
}

/** The spec of a volume claim mounted by one pod at a time. */
export function readWriteOnceClaim(storage: StorageSettings): inputs.core.v1.PersistentVolumeClaimSpec {
  return {
    accessModes: ["ReadWriteOnce"],
    storageClassName: storage.storageClass,
    resources: { requests: { storage: storage.storageSize } },
  };
}
