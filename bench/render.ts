/**
 * bench:render: time to render each real stack, and a synthetic stack of 1, 10 and 50 WebServices to show
 * how render time grows. Every render runs the real program under Pulumi's mocks, in this process.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { renderProgram, renderStack } from "../infra/render/render-stack.js";
import { readStackConfig, type StackConfigValues } from "../infra/render/stack-file.js";
import { declareSyntheticStack } from "./synthetic-stack.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
/** Both real stacks must render in under this. */
const REAL_STACK_TARGET_MS = 5000;
const SIZES = [1, 10, 50];

const values = (stack: string): StackConfigValues =>
  readStackConfig(`${ROOT}/Pulumi.yaml`, `${ROOT}/Pulumi.${stack}.yaml`);

const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Median wall time of `ROUNDS` renders, after one unmeasured render that loads and compiles the code. */
async function time(
  render: () => Promise<{ objects: readonly unknown[] }>,
): Promise<{ ms: number; objects: number }> {
  const { objects } = await render();
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await render();
    samples.push(performance.now() - started);
  }
  return { ms: median(samples), objects: objects.length };
}

const stagingValues = values("staging");
const results: string[] = [];
let failed = false;

/** One `npm run render` as an operator runs it: a new process that compiles, renders and writes the files. */
function coldCli(stack: string): number {
  const out = mkdtempSync(path.join(tmpdir(), "leadms-bench-render-"));
  try {
    const started = performance.now();
    execFileSync(
      process.execPath,
      ["--import", "tsx", "infra/render/cli.ts", "--stack", stack, "--out", out],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
    return performance.now() - started;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const verdict = (ms: number) => {
  const ok = ms < REAL_STACK_TARGET_MS;
  failed ||= !ok;
  return `${ok ? "ok" : "MISSED"} (target < ${REAL_STACK_TARGET_MS} ms)`;
};
for (const stack of ["staging", "production"]) {
  const { ms, objects } = await time(() => renderStack(stack, values(stack)));
  const cold = median(Array.from({ length: 3 }, () => coldCli(stack)));
  results.push(
    `${stack.padEnd(12)} ${objects.toString().padStart(4)} objects  ${ms.toFixed(1).padStart(8)} ms in process  ${verdict(ms)}`,
    `${"".padEnd(25)} ${cold.toFixed(1).padStart(8)} ms as npm run render (new process, files written)  ${verdict(cold)}`,
  );
}

const synthetic = new Map<number, number>();
for (const size of SIZES) {
  const { ms, objects } = await time(() =>
    renderProgram("staging", stagingValues, () => declareSyntheticStack(size)),
  );
  synthetic.set(size, ms);
  results.push(
    `${`${size} services`.padEnd(12)} ${objects.toString().padStart(4)} objects  ${ms.toFixed(1).padStart(8)} ms`,
  );
}

// Growth: the cost of each added service between sizes; equal costs mean linear growth.
const [small, middle, large] = SIZES.map((size) => synthetic.get(size) as number) as [number, number, number];
const perServiceLow = (middle - small) / ((SIZES[1] as number) - (SIZES[0] as number));
const perServiceHigh = (large - middle) / ((SIZES[2] as number) - (SIZES[1] as number));
results.push(
  `per added service: ${perServiceLow.toFixed(2)} ms (1 -> 10), ${perServiceHigh.toFixed(2)} ms (10 -> 50); ` +
    `ratio ${(perServiceHigh / perServiceLow).toFixed(2)} (1.00 is linear)`,
  `50 services / 1 service: ${(large / small).toFixed(1)}x the time`,
);
console.log(
  `render times, median of ${ROUNDS} renders each:\n${results.map((line) => `  ${line}`).join("\n")}`,
);
process.exit(failed ? 1 : 0);
