import type { Redis } from "ioredis";
import type { Lead } from "./model.js";

/**
 * Read-through cache of single leads in Redis. Redis is an accelerator here, not the source of truth:
 * every method swallows Redis errors and reports them, so reads fall back to PostgreSQL.
 */
export class LeadCache {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly ttlSeconds: number,
    private readonly onError: (operation: string, error: unknown) => void,
  ) {}

  private key(id: string): string {
    return `${this.keyPrefix}lead:${id}`;
  }

  async get(id: string): Promise<Lead | undefined> {
    if (this.ttlSeconds === 0) return undefined;
    try {
      const cached = await this.redis.get(this.key(id));
      return cached === null ? undefined : (JSON.parse(cached) as Lead);
    } catch (error) {
      this.onError("get", error);
      return undefined;
    }
  }

  async set(lead: Lead): Promise<void> {
    if (this.ttlSeconds === 0) return;
    try {
      await this.redis.set(this.key(lead.id), JSON.stringify(lead), "EX", this.ttlSeconds);
    } catch (error) {
      this.onError("set", error);
    }
  }

  async invalidate(id: string): Promise<void> {
    try {
      await this.redis.del(this.key(id));
    } catch (error) {
      this.onError("invalidate", error);
    }
  }
}
