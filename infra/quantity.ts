/**
 * Kubernetes resource quantities (`250m`, `1.5`, `512Mi`, `1G`) as plain numbers, so the config can
 * compare requests with limits and the render summary can add them up.
 */
const SUFFIXES: Readonly<Record<string, number>> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

/** True when `value` is a quantity this platform writes (decimal or binary suffix, no exponent). */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value);
}

/** The quantity's value in base units (cores, bytes); throws naming the value when it is not one. */
export function parseQuantity(value: string): number {
  const match = QUANTITY.exec(value);
  if (!match?.[1]) throw new Error(`not a Kubernetes quantity: "${value}"`);
  return Number(match[1]) * (SUFFIXES[match[2] ?? ""] ?? 1);
}

/** Cores for display: `1.25` becomes "1250m". */
export function formatCpu(cores: number): string {
  return `${Math.round(cores * 1000)}m`;
}

/** Bytes for display in the largest binary unit that keeps the number at or above 1. */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of [
    ["Gi", 2 ** 30],
    ["Mi", 2 ** 20],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${unit}`;
  }
  return `${bytes}B`;
}
