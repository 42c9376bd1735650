type Settings = Record<string, unknown>;

const isObject = (value: unknown): value is Settings =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * The stack file's values laid over the profile's. Objects merge key by key; anything else replaces.
 * An object whose `mode` differs from the profile's (external PostgreSQL in place of in-cluster) replaces
 * the profile's object whole, so settings of the other mode do not leak into it.
 */
export function mergeSettings(base: Settings, override: Settings): Settings {
  const merged: Settings = { ...base };
  for (const [name, value] of Object.entries(override)) {
    const current = merged[name];
    const sameMode =
      isObject(current) && isObject(value) && (!("mode" in value) || value.mode === current.mode);
    merged[name] = isObject(current) && isObject(value) && sameMode ? mergeSettings(current, value) : value;
  }
  return merged;
}
