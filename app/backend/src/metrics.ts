import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CheckResult } from "./health/dependency-check.js";

export interface BuildInfo {
  readonly version: string;
  readonly commit: string;
}

/** Every metric the service exposes, on a registry of its own (no global state between instances). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: "leadms_http_request_duration_seconds",
    help: "HTTP request duration by method, route template and status code",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly dependencyUp = new Gauge({
    name: "leadms_dependency_up",
    help: "Whether the last check of a dependency succeeded (1) or not (0)",
    labelNames: ["dependency"] as const,
    registers: [this.registry],
  });

  readonly dependencyLatency = new Gauge({
    name: "leadms_dependency_check_duration_seconds",
    help: "Duration of the last check of a dependency",
    labelNames: ["dependency"] as const,
    registers: [this.registry],
  });

  readonly dependencyChecks = new Counter({
    name: "leadms_dependency_checks_total",
    help: "Dependency checks sent, by dependency and result",
    labelNames: ["dependency", "result"] as const,
    registers: [this.registry],
  });

  readonly leadsCreated = new Counter({
    name: "leadms_leads_created_total",
    help: "Leads created, by source",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });

  readonly leadStatusChanges = new Counter({
    name: "leadms_lead_status_changes_total",
    help: "Lead status changes, by previous and new status",
    labelNames: ["from", "to"] as const,
    registers: [this.registry],
  });

  readonly leadConversions = new Counter({
    name: "leadms_lead_conversions_total",
    help: "Leads converted to customers",
    registers: [this.registry],
  });

  readonly authFailures = new Counter({
    name: "leadms_auth_failures_total",
    help: "Rejected API authentications, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly shuttingDown = new Gauge({
    name: "leadms_shutting_down",
    help: "1 while the service drains after SIGTERM",
    registers: [this.registry],
  });

  constructor(build: BuildInfo) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "leadms_build_info",
      help: "Build of the running service; the value is always 1",
      labelNames: ["version", "commit", "node_version"] as const,
      registers: [this.registry],
    }).set({ version: build.version, commit: build.commit, node_version: process.version }, 1);
  }

  /** Exposes the number of API requests being served, read at scrape time. */
  trackInFlight(read: () => number): void {
    new Gauge({
      name: "leadms_http_requests_in_flight",
      help: "HTTP requests being served, probes left out",
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  recordDependencyCheck(result: CheckResult): void {
    this.dependencyUp.set({ dependency: result.name }, result.up ? 1 : 0);
    this.dependencyLatency.set({ dependency: result.name }, result.latencyMs / 1000);
    this.dependencyChecks.inc({ dependency: result.name, result: result.up ? "up" : "down" });
  }
}
