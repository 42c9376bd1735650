/** Upper bounds (ms) of the latency bins: geometric, 20 % apart, from 0.1 ms to about 60 s. */
const BIN_BOUNDS_MS: readonly number[] = Array.from({ length: 74 }, (_, k) => 0.1 * 1.2 ** k);
const WINDOW_SECONDS = 60;

interface SecondBucket {
  second: number;
  count: number;
  errors: number;
  sumMs: number;
  bins: Uint32Array;
}

export interface RequestSummary {
  readonly windowSeconds: number;
  readonly requestsPerMinute: number;
  readonly meanResponseMs: number;
  /** Upper bound of the latency bin holding the 95th percentile: at most 20 % above the true value. */
  readonly p95ResponseMs: number;
  readonly errorRate: number;
}

function binIndex(durationMs: number): number {
  let low = 0;
  let high = BIN_BOUNDS_MS.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((BIN_BOUNDS_MS[mid] as number) < durationMs) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Request count, latency and errors over the last minute in one-second buckets: O(1) per request and a
 * fixed amount of memory whatever the traffic.
 */
export class RequestStats {
  private readonly buckets: SecondBucket[] = Array.from({ length: WINDOW_SECONDS }, () => ({
    second: -1,
    count: 0,
    errors: 0,
    sumMs: 0,
    bins: new Uint32Array(BIN_BOUNDS_MS.length + 1),
  }));

  constructor(private readonly nowMs: () => number = Date.now) {}

  record(durationMs: number, isError: boolean): void {
    const second = Math.floor(this.nowMs() / 1000);
    const bucket = this.buckets[second % WINDOW_SECONDS] as SecondBucket;
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.count = 0;
      bucket.errors = 0;
      bucket.sumMs = 0;
      bucket.bins.fill(0);
    }
    bucket.count += 1;
    bucket.sumMs += durationMs;
    if (isError) bucket.errors += 1;
    (bucket.bins[binIndex(durationMs)] as number) += 1;
  }

  summary(): RequestSummary {
    const now = Math.floor(this.nowMs() / 1000);
    let count = 0;
    let errors = 0;
    let sumMs = 0;
    const bins = new Uint32Array(BIN_BOUNDS_MS.length + 1);
    for (const bucket of this.buckets) {
      if (now - bucket.second >= WINDOW_SECONDS || bucket.second > now) continue;
      count += bucket.count;
      errors += bucket.errors;
      sumMs += bucket.sumMs;
      bucket.bins.forEach((n, i) => {
        (bins[i] as number) += n;
      });
    }
    let p95 = 0;
    if (count > 0) {
      const rank = Math.ceil(count * 0.95);
      let seen = 0;
      for (let i = 0; i < bins.length; i++) {
        seen += bins[i] as number;
        if (seen >= rank) {
          p95 = BIN_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY;
          break;
        }
      }
    }
    const round = (n: number) => Math.round(n * 100) / 100;
    return {
      windowSeconds: WINDOW_SECONDS,
      requestsPerMinute: count,
      meanResponseMs: count > 0 ? round(sumMs / count) : 0,
      p95ResponseMs: round(p95),
      errorRate: count > 0 ? round(errors / count) : 0,
    };
  }
}
