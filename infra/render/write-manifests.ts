import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { type KubernetesObject, objectPath } from "./manifests.js";

/** YAML of one object; the same object always gives the same text. */
export function toYaml(object: KubernetesObject): string {
  return stringify(object, { lineWidth: 0, sortMapEntries: false });
}

/** Replaces `dir` with one YAML file per object; returns the paths written, relative to `dir`. */
export function writeManifests(dir: string, objects: readonly KubernetesObject[]): string[] {
  rmSync(dir, { recursive: true, force: true });
  const written: string[] = [];
  for (const object of objects) {
    const relative = objectPath(object);
    const target = path.join(dir, relative);
    if (written.includes(relative)) throw new Error(`two objects would be written to ${relative}`);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, toYaml(object));
    written.push(relative);
  }
  return written;
}
