import { describe, expect, it } from "vitest";
import { parseDockerfile, unavailableCopySources } from "../../../tests/support/dockerfile.js";

// No Docker engine runs here: the image is checked for the properties the platform relies on.
const dockerfile = parseDockerfile("app/backend/Dockerfile");
const { instructions, named, finalStage } = dockerfile;
const stages = named("FROM");

describe("app/backend/Dockerfile", () => {
  it("is multi-stage on a pinned Node 22 or newer image, never a latest tag", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const image = /^ARG NODE_IMAGE=node:(\d+)\.(\d+)\.(\d+)-[a-z-]+$/.exec(named("ARG")[0] ?? "");
    expect(image, "NODE_IMAGE pinned to an exact Node version").not.toBeNull();
    expect(Number(image?.[1])).toBeGreaterThanOrEqual(22);
    for (const from of stages) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\}/);
    expect(dockerfile.text).not.toMatch(/:latest\b/);
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
    expect(unavailableCopySources(dockerfile)).toEqual([]);
  });
});
