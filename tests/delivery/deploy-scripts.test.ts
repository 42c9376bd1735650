import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../app/backend/test/support/database.js";
import { startTestService, TEST_TOKEN, type TestService } from "../../app/backend/test/support/service.js";
import { freePort } from "../../app/frontend/test/support/nginx.js";
import { runScript } from "../backup/support/scripts.js";
import { fakeTools } from "./support/fake-tools.js";

const image = (app: string, hex: string) => `ghcr.io/acme/leadms/${app}@sha256:${hex.repeat(64)}`;
const NEW = [image("backend", "a"), image("frontend", "b")];
const GOOD = [image("backend", "c"), image("frontend", "d")];

const FORWARD_TO_BACKEND = [
  'const net = require("node:net");',
  "net.createServer((client) => {",
  '  const upstream = net.connect(Number(process.env.FAKE_BACKEND_PORT), "127.0.0.1");',
  "  client.pipe(upstream).pipe(client);",
  '  upstream.on("error", () => client.destroy());',
  '  client.on("error", () => upstream.destroy());',
  '}).listen(18080, "127.0.0.1");',
].join(" ");

// pulumi: `up` fails while the counter file says so; the last good images come from FAKE_LAST_GOOD.
const tools = fakeTools({
  pulumi: `
case "$*" in
  "config get --stack "*" --path backend.deployment.strategy") [[ -n \${FAKE_STRATEGY:-} ]] && echo "$FAKE_STRATEGY" && exit 0; exit 1 ;;
  "config get --stack "*" --path backend.deployment.active") echo "\${FAKE_ACTIVE}"; exit 0 ;;
  "config get --stack "*" --path backend.deployment.images."*) echo "null"; exit 0 ;;
  "config get --stack "*" --path images.backend") echo "\${FAKE_RELEASE_IMAGE}"; exit 0 ;;
esac
case "$1 $2" in
  "stack tag") if [[ $3 == get ]]; then [[ -n \${FAKE_LAST_GOOD:-} ]] && echo "$FAKE_LAST_GOOD" && exit 0; exit 1; fi ;;
  "up --stack")
    failures=$(cat "\${FAKE_UP_FAILURES_FILE}" 2>/dev/null || echo 0)
    if (( failures > 0 )); then echo $((failures - 1)) > "\${FAKE_UP_FAILURES_FILE}"; exit 1; fi ;;
esac
exit 0`,
  // kubectl: port-forward serves the real backend on the script's local port, as a forward would.
  kubectl: `
case "$*" in
  *"get secret backend-api"*) printf '%s' "\${FAKE_API_TOKEN}" | base64 ;;
  *" port-forward "*) exec node -e '${FORWARD_TO_BACKEND}' ;;
esac
exit 0`,
  docker: `
case "$1" in
  inspect) echo "\${@: -1}" | sed -E 's/:[^:/]+$//; s/$/@sha256:'"$(printf 'e%.0s' {1..64})"'/' ;;
esac
exit 0`,
});

let db: TestDatabase;
let backend: TestService;
beforeAll(async () => {
  db = await createTestDatabase();
  backend = await startTestService(db.url);
});
beforeEach(() => tools.reset());
afterAll(async () => {
  await backend?.stop();
  await db?.drop();
  tools.cleanup();
});

async function deploy(stack: string, backendUrl: string, env: Record<string, string> = {}) {
  const failuresFile = `${tools.dir}/up-failures`;
  writeFileSync(failuresFile, env.UP_FAILURES ?? "0");
  return runScript("deploy-stack.sh", [stack, ...NEW], {
    PATH: tools.path,
    DEPLOY_BACKEND_URL: backendUrl,
    FAKE_API_TOKEN: TEST_TOKEN,
    FAKE_UP_FAILURES_FILE: failuresFile,
    ...env,
  });
}
const pulumiCalls = () => tools.calls().filter((call) => call.startsWith("pulumi "));
const kubectlCalls = () =>
  tools.calls().filter((call) => call.startsWith("kubectl ") && !call.includes("get secret"));
/** Without DEPLOY_BACKEND_URL the script forwards to the Service; the stand-in forwards to the backend. */
const throughPortForward = () => ({ DEPLOY_BACKEND_URL: "", FAKE_BACKEND_PORT: new URL(backend.url).port });

describe("deploy-stack.sh", () => {
  it("deploys the images, smoke-tests the backend and records them as the last good release", async () => {
    const result = await deploy("staging", backend.url, { FAKE_LAST_GOOD: GOOD.join(" ") });
    expect(result.code, result.stderr).toBe(0);
    expect(pulumiCalls()).toEqual([
      "pulumi config get --stack staging --path backend.deployment.strategy",
      "pulumi stack tag get leadms-last-good-images --stack staging",
      "pulumi config set --stack staging --path images.mode prebuilt",
      `pulumi config set --stack staging --path images.backend ${NEW[0]}`,
      `pulumi config set --stack staging --path images.frontend ${NEW[1]}`,
      "pulumi up --stack staging --yes --skip-preview --policy-pack policy",
      `pulumi stack tag set leadms-last-good-images ${NEW.join(" ")} --stack staging`,
    ]);
    expect(result.stderr).toContain("smoke-test: passed");
  });

  it("rolls back to the last good images when the rollout fails, and fails the run loudly", async () => {
    const result = await deploy("production", backend.url, {
      FAKE_LAST_GOOD: GOOD.join(" "),
      UP_FAILURES: "1",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "::error title=deploy production::the release failed; production was rolled back to the last good release",
    );
    const configured = pulumiCalls().filter((call) => call.includes("images.backend"));
    expect(configured).toEqual([
      `pulumi config set --stack production --path images.backend ${NEW[0]}`,
      `pulumi config set --stack production --path images.backend ${GOOD[0]}`,
    ]);
    expect(pulumiCalls().some((call) => call.startsWith("pulumi stack tag set"))).toBe(false);
  });

  it("rolls back when the smoke test fails, and says so when the rollback fails too", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const result = await deploy("staging", dead, {
      FAKE_LAST_GOOD: GOOD.join(" "),
      DEPLOY_SMOKE_TIMEOUT: "2",
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("the release failed and so did the rollback: staging needs a person now");
    expect(pulumiCalls().filter((call) => call.startsWith("pulumi up"))).toHaveLength(2);
  }, 60_000);

  it("fails without a rollback when the stack has no last good release", async () => {
    const result = await deploy("staging", backend.url, { UP_FAILURES: "1" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("no last good release to roll back to");
    expect(pulumiCalls().filter((call) => call.startsWith("pulumi up"))).toHaveLength(1);
  });

  it("refuses images not pinned by digest", async () => {
    const result = await runScript(
      "deploy-stack.sh",
      ["staging", "ghcr.io/acme/leadms/backend:latest", NEW[1] as string],
      { PATH: tools.path },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'the backend image must be pinned by digest, got "ghcr.io/acme/leadms/backend:latest"',
    );
    expect(tools.calls()).toEqual([]);
  });

  it("waits for the backend's rollout and smoke-tests it through a port-forward to its Service", async () => {
    const result = await deploy("staging", "", throughPortForward());
    expect(result.code, result.stderr).toBe(0);
    expect(kubectlCalls()).toEqual([
      "kubectl --namespace leadms-staging rollout status deployment/backend --timeout=300s",
      "kubectl --namespace leadms-staging port-forward service/backend 18080:80",
    ]);
    expect(result.stderr).toContain("smoke-test: passed");
  });
});

describe("deploy-stack.sh on a blue-green stack", () => {
  const blueGreen = {
    FAKE_STRATEGY: "blue-green",
    FAKE_ACTIVE: "blue",
    FAKE_RELEASE_IMAGE: GOOD[0] as string,
  };

  it("deploys to the idle colour, smoke-tests it, then moves traffic to it", async () => {
    const result = await deploy("production", backend.url, blueGreen);
    expect(result.code, result.stderr).toBe(0);
    const sets = pulumiCalls().filter(
      (call) => call.startsWith("pulumi config set") && call.includes("backend.deployment"),
    );
    expect(sets).toEqual([
      // The serving colour keeps the release it runs...
      `pulumi config set --stack production --path backend.deployment.images.blue ${GOOD[0]}`,
      // ...while the new one goes to the idle colour, and traffic moves only after its smoke test.
      `pulumi config set --stack production --path backend.deployment.images.green ${NEW[0]}`,
      "pulumi config set --stack production --path backend.deployment.active green",
    ]);
    expect(pulumiCalls().filter((call) => call.startsWith("pulumi up"))).toHaveLength(2);
    expect(result.stderr.match(/smoke-test: passed/g)).toHaveLength(2);
    expect(pulumiCalls().at(-1)).toBe(
      `pulumi stack tag set leadms-last-good-images ${NEW.join(" ")} --stack production`,
    );
  });

  it("keeps traffic on the serving colour when the idle one fails its smoke test", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const result = await deploy("production", dead, { ...blueGreen, DEPLOY_SMOKE_TIMEOUT: "2" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("green failed its smoke test; traffic stays on blue");
    expect(
      pulumiCalls().some(
        (call) => call.startsWith("pulumi config set") && call.includes("backend.deployment.active"),
      ),
    ).toBe(false);
  });

  it("smoke-tests the idle colour through its own Service, then the switched release through the main one", async () => {
    const result = await deploy("production", "", { ...blueGreen, ...throughPortForward() });
    expect(result.code, result.stderr).toBe(0);
    expect(kubectlCalls()).toEqual([
      "kubectl --namespace leadms-production rollout status deployment/backend-green --timeout=300s",
      "kubectl --namespace leadms-production port-forward service/backend-green 18080:80",
      "kubectl --namespace leadms-production rollout status deployment/backend-green --timeout=300s",
      "kubectl --namespace leadms-production port-forward service/backend 18080:80",
    ]);
    expect(result.stderr.match(/smoke-test: passed/g)).toHaveLength(2);
  });
});

describe("build-images.sh", () => {
  it("builds and pushes each image once and prints them pinned by digest", async () => {
    const result = await runScript("build-images.sh", ["ghcr.io/acme/leadms", "0123abc"], {
      PATH: tools.path,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n")).toEqual([
      `backend=ghcr.io/acme/leadms/backend@sha256:${"e".repeat(64)}`,
      `frontend=ghcr.io/acme/leadms/frontend@sha256:${"e".repeat(64)}`,
    ]);
    const pushes = tools.calls().filter((call) => call.startsWith("docker push"));
    expect(pushes).toEqual([
      "docker push ghcr.io/acme/leadms/backend:0123abc",
      "docker push ghcr.io/acme/leadms/frontend:0123abc",
    ]);
  });

  it("never tags latest", async () => {
    const result = await runScript("build-images.sh", ["ghcr.io/acme/leadms", "latest"], {
      PATH: tools.path,
    });
    expect(result.code).toBe(2);
    expect(tools.calls()).toEqual([]);
  });
});
