import type pg from "pg";

/** Arbitrary constant key for pg_advisory_xact_lock: serialises migrations across replicas. */
const MIGRATION_LOCK_KEY = 4_207_310_421;

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "create leads",
    sql: `
      CREATE TABLE leads (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        email text NOT NULL,
        company text,
        source text NOT NULL,
        notes text,
        status text NOT NULL DEFAULT 'new'
          CHECK (status IN ('new', 'contacted', 'qualified', 'converted', 'lost')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX leads_status_seq_idx ON leads (status, seq DESC);
      CREATE TABLE lead_status_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lead_id uuid NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
        from_status text NOT NULL,
        to_status text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX lead_status_changes_lead_idx ON lead_status_changes (lead_id, changed_at);
    `,
  },
];

/**
 * Applies pending migrations in one transaction under an advisory lock, so replicas starting together
 * apply each migration exactly once. Returns the versions this call applied.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((row) => row.version));
    const appliedNow: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [
        migration.version,
        migration.name,
      ]);
      appliedNow.push(migration.version);
    }
    await client.query("COMMIT");
    return appliedNow;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
