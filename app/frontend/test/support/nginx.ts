import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type NginxOptions, nginxConfig } from "../../nginx-config.js";

export const PUBLIC_DIR = new URL("../../public", import.meta.url).pathname;

/** A free port on 127.0.0.1, found by letting the kernel pick one. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The image's config with test values: a loopback port, a private run directory, the repo's pages. */
export function testNginxOptions(
  runDir: string,
  listenPort: number,
  backendPort: number,
  statusPort: number,
): NginxOptions {
  return {
    listenPort,
    listenHost: "127.0.0.1",
    backend: `127.0.0.1:${backendPort}`,
    root: PUBLIC_DIR,
    runDir,
    mimeTypes: "/etc/nginx/mime.types",
    statusPort,
  };
}

/** Writes the config into a fresh directory; `nginx -t` and the server both read it from there. */
export function writeTestConfig(listenPort: number, backendPort: number, statusPort: number) {
  const dir = mkdtempSync(path.join(tmpdir(), "leadms-nginx-"));
  // Worker processes may run as another user when the tests run as root.
  chmodSync(dir, 0o755);
  const configFile = path.join(dir, "nginx.conf");
  writeFileSync(configFile, nginxConfig(testNginxOptions(dir, listenPort, backendPort, statusPort)));
  return { dir, configFile, errorLog: path.join(dir, "error.log") };
}

/** `nginx -t`; its output goes through a file, since nginx reopens /dev/stdout and a socket cannot be. */
export function nginxTest(configFile: string, errorLog: string): { ok: boolean; output: string } {
  const outputFile = `${configFile}.test-output`;
  const output = openSync(outputFile, "w");
  try {
    const result = spawnSync("nginx", ["-t", "-c", configFile, "-e", errorLog], {
      stdio: ["ignore", output, output],
    });
    return { ok: result.status === 0, output: readFileSync(outputFile, "utf8") };
  } finally {
    closeSync(output);
    rmSync(outputFile, { force: true });
  }
}

export interface RunningNginx {
  readonly url: string;
  /** nginx's stub_status page, for the exporter. */
  readonly statusUrl: string;
  /** Access log lines (JSON) written to stdout so far. */
  readonly accessLog: () => Record<string, unknown>[];
  stop(): Promise<void>;
}

/** A real nginx in the foreground on 127.0.0.1, serving the status page and proxying /api/ to the backend. */
export async function startNginx(backendPort: number): Promise<RunningNginx> {
  const [port, statusPort] = [await freePort(), await freePort()];
  const { dir, configFile, errorLog } = writeTestConfig(port, backendPort, statusPort);
  // stdout goes to a file: nginx opens /dev/stdout, which cannot be reopened when it is a socket.
  const stdoutFile = path.join(dir, "stdout.log");
  const stdout = openSync(stdoutFile, "w");
  const child: ChildProcess = spawn("nginx", ["-c", configFile, "-e", errorLog, "-g", "daemon off;"], {
    stdio: ["ignore", stdout, "pipe"],
  });
  closeSync(stdout);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}`);
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) throw new Error(`nginx did not answer within 5 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    statusUrl: `http://127.0.0.1:${statusPort}/stub_status`,
    accessLog: () =>
      readFileSync(stdoutFile, "utf8")
        .split("\n")
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGQUIT");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
