import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { SECRET_PLACEHOLDER } from "./recording-mocks.js";

/** A stack's config as the Pulumi engine hands it to the program: text values, and which are secret. */
export interface StackConfigValues {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Reads `Pulumi.yaml`'s project config and `Pulumi.<stack>.yaml` the way the engine does: keys without
 * a namespace belong to the project, structured values become JSON text, and `secure:` values are
 * secret. Secret values are never decrypted: a placeholder stands in.
 */
export function readStackConfig(projectFile: string, stackFile: string): StackConfigValues {
  const project = parse(readFileSync(projectFile, "utf8")) as {
    name: string;
    config?: Record<string, unknown>;
  };
  const stack = (parse(readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const set = (rawKey: string, value: unknown) => {
    const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
    if (isObject(value) && "secure" in value) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  };
  // Project-level defaults are declared as `{ value: ... }` (or `{ default: ... }`) and apply to every stack.
  for (const [key, declaration] of Object.entries(project.config ?? {})) {
    const value = isObject(declaration) ? (declaration.value ?? declaration.default) : declaration;
    if (value !== undefined) set(key, value);
  }
  for (const [key, value] of Object.entries(stack.config ?? {})) set(key, value);
  return { config, secretKeys };
}
