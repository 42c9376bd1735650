export interface CheckResult {
  readonly name: string;
  readonly up: boolean;
  readonly latencyMs: number;
  readonly error: string | undefined;
  readonly checkedAt: number;
}

export interface DependencyCheckOptions {
  readonly name: string;
  /** Whether a failure makes the service unready (PostgreSQL, Redis) or only degraded (Elasticsearch). */
  readonly critical: boolean;
  readonly timeoutMs: number;
  /** How long a result is reused before the dependency is asked again. */
  readonly cacheMs: number;
  /** Performs one check; rejects when the dependency is unhealthy. The signal aborts on timeout. */
  readonly probe: (signal: AbortSignal) => Promise<void>;
  readonly onResult?: (result: CheckResult) => void;
  readonly now?: () => number;
}

class CheckTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * One dependency's health, checked with a timeout, cached for `cacheMs` and coalesced: however many
 * callers ask at once, at most one probe runs per dependency per interval.
 */
export class DependencyCheck {
  readonly name: string;
  readonly critical: boolean;
  private readonly options: DependencyCheckOptions;
  private readonly now: () => number;
  private cached: CheckResult | undefined;
  private inFlight: Promise<CheckResult> | undefined;
  private probeCount = 0;

  constructor(options: DependencyCheckOptions) {
    this.options = options;
    this.name = options.name;
    this.critical = options.critical;
    this.now = options.now ?? Date.now;
  }

  /** Number of probes actually sent to the dependency since start. */
  get probesSent(): number {
    return this.probeCount;
  }

  get lastResult(): CheckResult | undefined {
    return this.cached;
  }

  /** The last result while it is within the cache interval, else undefined. */
  fresh(): CheckResult | undefined {
    const cached = this.cached;
    return cached && this.now() - cached.checkedAt < this.options.cacheMs ? cached : undefined;
  }

  check(): Promise<CheckResult> {
    const fresh = this.fresh();
    if (fresh) return Promise.resolve(fresh);
    this.inFlight ??= this.runProbe().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async runProbe(): Promise<CheckResult> {
    this.probeCount += 1;
    const { timeoutMs, probe } = this.options;
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new CheckTimeoutError(timeoutMs));
      }, timeoutMs);
    });
    let error: string | undefined;
    try {
      await Promise.race([probe(controller.signal), timeout]);
    } catch (cause) {
      error = cause instanceof Error ? cause.message || cause.name : String(cause);
    } finally {
      clearTimeout(timer);
    }
    const result: CheckResult = {
      name: this.name,
      up: error === undefined,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      error,
      checkedAt: this.now(),
    };
    this.cached = result;
    this.options.onResult?.(result);
    return result;
  }
}
