import { describe, expect, it } from "vitest";
import { parseDockerfile, unavailableCopySources } from "../../../tests/support/dockerfile.js";
import { CONTAINER_NGINX } from "../nginx-config.js";

// No Docker engine runs here: the image is checked for the properties the platform relies on.
const dockerfile = parseDockerfile("app/frontend/Dockerfile");
const { named, finalStage } = dockerfile;

describe("app/frontend/Dockerfile", () => {
  it("is built on an nginx image pinned to an exact version", () => {
    expect(named("ARG")[0]).toMatch(/^ARG NGINX_IMAGE=nginx:\d+\.\d+\.\d+-[a-z-]+$/);
    expect(named("FROM")).toEqual([`FROM ${"$"}{NGINX_IMAGE}`]);
    expect(dockerfile.text).not.toMatch(/:latest\b/);
  });

  it("ships the generated nginx.conf and the page, and listens where the config says", () => {
    expect(named("COPY")).toEqual([
      "COPY app/frontend/nginx.conf /etc/nginx/nginx.conf",
      "COPY app/frontend/public/ /usr/share/nginx/html/",
    ]);
    expect(named("EXPOSE")).toEqual([`EXPOSE ${CONTAINER_NGINX.listenPort}`]);
    expect(CONTAINER_NGINX.root).toBe("/usr/share/nginx/html");
    expect(unavailableCopySources(dockerfile)).toEqual([]);
  });

  it("runs as a non-root numeric user, stops gracefully, and checks its health on /healthz", () => {
    const user = finalStage.filter((line) => line.startsWith("USER "));
    expect(user).toEqual(["USER 101:101"]);
    expect(named("STOPSIGNAL")).toEqual(["STOPSIGNAL SIGQUIT"]);
    expect(named("HEALTHCHECK")[0]).toContain(`http://127.0.0.1:${CONTAINER_NGINX.listenPort}/healthz`);
    // The entrypoint makes the one directory nginx writes to, under the writable /tmp.
    expect(named("ENTRYPOINT")[0]).toContain(`mkdir -p ${CONTAINER_NGINX.runDir}`);
    expect(CONTAINER_NGINX.runDir.startsWith("/tmp/")).toBe(true);
  });
});
