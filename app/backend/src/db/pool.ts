import pg from "pg";

export interface PoolOptions {
  readonly connectionString: string;
  readonly max: number;
  /** Bounds waiting for a connection and each query, so a hung server never holds a request forever. */
  readonly timeoutMs: number;
}

export function createPool({ connectionString, max, timeoutMs }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: "leadms-backend",
  });
  // A client losing its connection (a server restart, a failover, a termination while the pool ends)
  // must not crash the process: the query in progress, if any, fails and the next one reconnects.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
