import { withClient } from "./scripts.js";

/**
 * Tables that exercise what a dump must carry: large text, binary data, NULLs, unicode, JSON, time
 * zones, a sequence, a foreign key, an empty table and a table outside the public schema.
 */
export async function seedVariedTables(database: string): Promise<void> {
  await withClient(database, async (client) => {
    await client.query(`
      CREATE TABLE accounts (id bigserial PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE documents (
        id int PRIMARY KEY, account_id bigint REFERENCES accounts(id), title text, body text, blob bytea,
        score numeric(12, 4), tags jsonb, seen_at timestamptz
      );
      CREATE TABLE empty_table (id int PRIMARY KEY);
      CREATE SCHEMA audit;
      CREATE TABLE audit.events (id int PRIMARY KEY, payload jsonb NOT NULL);
      INSERT INTO accounts (name) SELECT 'account ' || g FROM generate_series(1, 200) g;
      INSERT INTO documents
      SELECT g,
        CASE WHEN g % 7 = 0 THEN NULL ELSE 1 + g % 200 END,
        CASE g % 4 WHEN 0 THEN 'Ünïcödé 漢字 🚀 émoji' WHEN 1 THEN NULL WHEN 2 THEN E'tab\\tnew\\nline "quotes" \\\\ backslash' ELSE 'plain' END,
        CASE WHEN g % 50 = 0 THEN repeat(md5(g::text), 40000) ELSE repeat('lorem ipsum ', g % 30) END,
        CASE WHEN g % 3 = 0 THEN NULL ELSE decode(md5(g::text) || md5((g * 7)::text), 'hex') || '\\x00ff00'::bytea END,
        CASE WHEN g % 5 = 0 THEN NULL ELSE g * 1.2345 END,
        CASE WHEN g % 2 = 0 THEN jsonb_build_object('g', g, 'label', 'ключ', 'nested', jsonb_build_array(1, null, 'x')) END,
        timestamptz '2026-01-01 00:00:00+00' + g * interval '37 minutes'
      FROM generate_series(1, 2000) g;
      INSERT INTO audit.events SELECT g, jsonb_build_object('event', 'e' || g) FROM generate_series(1, 50) g;
    `);
  });
}

/** A table of `megabytes` MiB of random bytes, which neither compresses nor dumps quickly. */
export async function seedIncompressible(database: string, megabytes: number): Promise<void> {
  await withClient(database, async (client) => {
    await client.query("CREATE EXTENSION IF NOT EXISTS pgcrypto");
    await client.query("CREATE TABLE IF NOT EXISTS noise (id int PRIMARY KEY, data bytea NOT NULL)");
    // 1 MiB per row; the subquery names g so that each row gets bytes of its own.
    await client.query(
      `INSERT INTO noise
       SELECT g, (SELECT string_agg(gen_random_bytes(1024), ''::bytea) FROM generate_series(1, 1024) WHERE g > 0)
       FROM generate_series(1, $1) g`,
      [megabytes],
    );
  });
}
