import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// No Docker engine runs here: the image is checked for the properties the platform relies on.
const ROOT = new URL("../../../", import.meta.url);
const dockerfile = readFileSync(new URL("app/backend/Dockerfile", ROOT), "utf8");
const instructions = dockerfile
  .replace(/\\\n\s*/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const named = (keyword: string) => instructions.filter((line) => line.startsWith(`${keyword} `));
const stages = named("FROM");
const finalStage = instructions.slice(instructions.lastIndexOf(stages.at(-1) as string));

describe("app/backend/Dockerfile", () => {
  it("is multi-stage on a pinned Node 22 or newer image, never a latest tag", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-[a-z-]+$/.exec(named("ARG")[0] ?? "");
    expect(image, "NODE_IMAGE pinned to an exact Node version").not.toBeNull();
    expect(Number(image?.[1])).toBeGreaterThanOrEqual(22);
    for (const from of stages) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    expect(dockerfile).not.toMatch(/:latest\b/);
  });

  it("ships production dependencies only in the final stage", () => {
    expect(instructions).toContain(
      "RUN npm ci --workspace app/backend --omit=dev --ignore-scripts --no-audit --no-fund",
    );
    const copies = finalStage.filter((line) => line.startsWith("COPY "));
    expect(copies.some((line) => line.includes("--from=production-deps"))).toBe(true);
    expect(copies.some((line) => line.includes("--from=build") && line.includes("dist"))).toBe(true);
  });

  it("runs as a non-root numeric user with a health check on /health/live", () => {
    const user = finalStage.filter((line) => line.startsWith("USER "));
    expect(user).toHaveLength(1);
    expect(user[0]).toMatch(/^USER [1-9]\d*:[1-9]\d*$/);
    const healthcheck = finalStage.find((line) => line.startsWith("HEALTHCHECK "));
    expect(healthcheck).toContain("/health/live");
    expect(finalStage.at(-1)).toBe('CMD ["node", "dist/main.js"]');
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = readFileSync(new URL(".dockerignore", ROOT), "utf8");
    for (const line of named("COPY").filter((l) => !l.includes("--from="))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources) {
        expect(existsSync(new URL(source, ROOT)), source).toBe(true);
        expect(ignored.includes(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
  });
});
