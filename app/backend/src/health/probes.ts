import type { Redis } from "ioredis";
import type pg from "pg";

export function postgresProbe(pool: pg.Pool) {
  return async () => {
    await pool.query("SELECT 1");
  };
}

export function redisProbe(redis: Redis) {
  return async () => {
    const answer = await redis.ping();
    if (answer !== "PONG") throw new Error(`unexpected PING answer ${JSON.stringify(answer)}`);
  };
}

/** Green and yellow clusters serve reads and writes; red means some primary shard is missing. */
export function elasticsearchProbe(baseUrl: string) {
  // fetch refuses URLs with credentials in them: move them into a Basic authorization header.
  const url = new URL(baseUrl);
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    url.username = "";
    url.password = "";
  }
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/_cluster/health`;
  return async (signal: AbortSignal) => {
    const response = await fetch(url, { signal, headers });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { status?: string };
    if (body.status !== "green" && body.status !== "yellow") {
      throw new Error(`cluster status ${JSON.stringify(body.status ?? null)}`);
    }
  };
}
