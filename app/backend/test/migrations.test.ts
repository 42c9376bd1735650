import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, migrate } from "../src/db/migrations.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

let db: TestDatabase;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  await db.drop();
});

const newPool = () => {
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  pools.push(pool);
  return pool;
};

describe("migrate", () => {
  it("applies each migration exactly once when five replicas start together", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(newPool())));
    expect(results.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
    const { rows } = await newPool().query("SELECT version FROM schema_migrations ORDER BY version");
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it("changes nothing when run again", async () => {
    const pool = newPool();
    await pool.query(
      "INSERT INTO leads (id, name, email, source) VALUES ('11111111-1111-4111-8111-111111111111', 'Kept', 'k@example.com', 'other')",
    );
    const schema = () =>
      pool.query(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
      );
    const before = (await schema()).rows;
    expect(await migrate(pool)).toEqual([]);
    expect((await schema()).rows).toEqual(before);
    expect((await pool.query("SELECT name FROM leads")).rows).toEqual([{ name: "Kept" }]);
  });
});
