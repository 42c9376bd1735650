import type { CheckResult, DependencyCheck } from "./dependency-check.js";
import { type PublicStatus, publicStatus } from "./public-status.js";
import type { RequestStats, RequestSummary } from "./request-stats.js";

export type OverallStatus = "healthy" | "degraded" | "unhealthy";

export interface DependencyReport {
  readonly status: "up" | "down";
  readonly critical: boolean;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly checkedAt: string;
}

export interface HealthReport {
  readonly status: OverallStatus;
  readonly version: string;
  readonly uptimeSeconds: number;
  readonly shuttingDown: boolean;
  readonly dependencies: Record<string, DependencyReport>;
  readonly requests: RequestSummary;
  readonly memory: {
    readonly rssBytes: number;
    readonly heapUsedBytes: number;
    readonly heapTotalBytes: number;
  };
  readonly cpu: { readonly percent: number; readonly userSeconds: number; readonly systemSeconds: number };
}

export interface Readiness {
  readonly ready: boolean;
  readonly failed: Record<string, string>;
}

// While draining, readiness answers at once: waiting on a busy pool would delay the load balancer.
const SHUTTING_DOWN: Readiness = { ready: false, failed: { service: "shutting down" } };
const READY: Readiness = { ready: true, failed: {} };

function toReadiness(results: readonly CheckResult[]): Readiness {
  if (results.every((result) => result.up)) return READY;
  const failed: Record<string, string> = {};
  for (const result of results) if (!result.up) failed[result.name] = result.error ?? "down";
  return { ready: false, failed };
}

function toReport(check: DependencyCheck, result: CheckResult): DependencyReport {
  return {
    status: result.up ? "up" : "down",
    critical: check.critical,
    latencyMs: result.latencyMs,
    error: result.error ?? null,
    checkedAt: new Date(result.checkedAt).toISOString(),
  };
}

/** Readiness and the full health report, built from the dependency checks and the request stats. */
export class HealthService {
  private shuttingDown = false;
  private readonly startedAt = Date.now();
  private cpuSample = { at: performance.now(), usage: process.cpuUsage() };
  private lastCpuPercent = 0;
  private readonly critical: readonly DependencyCheck[];

  constructor(
    private readonly checks: readonly DependencyCheck[],
    private readonly stats: RequestStats,
    private readonly version: string,
  ) {
    this.critical = checks.filter((check) => check.critical);
  }

  /** From now on readiness fails, so load balancers stop sending new traffic. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /**
   * Readiness from cached results alone, or undefined when a critical check is due: what the probe
   * fast path answers from without waiting.
   */
  cachedReadiness(): Readiness | undefined {
    if (this.shuttingDown) return SHUTTING_DOWN;
    let allUp = true;
    for (const check of this.critical) {
      const fresh = check.fresh();
      if (!fresh) return undefined;
      allUp &&= fresh.up;
    }
    // The common answer allocates nothing; a failure is rare and gets its details.
    return allUp ? READY : toReadiness(this.critical.map((check) => check.lastResult as CheckResult));
  }

  async readiness(): Promise<Readiness> {
    const cached = this.cachedReadiness();
    if (cached) return cached;
    const results = await Promise.all(this.critical.map((check) => check.check()));
    // Shutdown may have begun while the checks ran.
    return this.shuttingDown ? SHUTTING_DOWN : toReadiness(results);
  }

  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map((check) => check.check()));
    const dependencies: Record<string, DependencyReport> = {};
    let status: OverallStatus = "healthy";
    results.forEach((result, i) => {
      const check = this.checks[i] as DependencyCheck;
      dependencies[result.name] = toReport(check, result);
      if (!result.up) status = check.critical ? "unhealthy" : status === "healthy" ? "degraded" : status;
    });
    if (this.shuttingDown) status = "unhealthy";
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      status,
      version: this.version,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      shuttingDown: this.shuttingDown,
      dependencies,
      requests: this.stats.summary(),
      memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, heapTotalBytes: memory.heapTotal },
      cpu: { percent: this.cpuPercent(), userSeconds: cpu.user / 1e6, systemSeconds: cpu.system / 1e6 },
    };
  }

  /** The public summary, from the same cached and coalesced checks as the probes. */
  async publicStatus(): Promise<PublicStatus> {
    const results = await Promise.all(this.checks.map((check) => check.check()));
    return publicStatus(
      results.map((result, i) => ({ critical: (this.checks[i] as DependencyCheck).critical, result })),
    );
  }

  /** CPU use of this process since the previous sample, resampled at most once a second. */
  private cpuPercent(): number {
    const now = performance.now();
    const elapsedMs = now - this.cpuSample.at;
    if (elapsedMs >= 1000) {
      const used = process.cpuUsage(this.cpuSample.usage);
      this.lastCpuPercent = Math.round(((used.user + used.system) / 1000 / elapsedMs) * 1000) / 10;
      this.cpuSample = { at: now, usage: process.cpuUsage() };
    }
    return this.lastCpuPercent;
  }
}
