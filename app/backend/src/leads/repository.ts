import { randomUUID } from "node:crypto";
import type pg from "pg";
import { type CreateLeadInput, canTransition, type Lead, type LeadStatus } from "./model.js";

interface LeadRow {
  id: string;
  seq: string;
  name: string;
  email: string;
  company: string | null;
  source: Lead["source"];
  notes: string | null;
  status: LeadStatus;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, seq, name, email, company, source, notes, status, created_at, updated_at";

function toLead(row: LeadRow): Lead {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    company: row.company,
    source: row.source,
    notes: row.notes,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export interface LeadPage {
  readonly leads: Lead[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export type StatusChangeResult =
  | { readonly outcome: "changed"; readonly lead: Lead; readonly from: LeadStatus }
  | { readonly outcome: "not-found" }
  | { readonly outcome: "forbidden"; readonly from: LeadStatus };

export class LeadRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(input: CreateLeadInput): Promise<Lead> {
    const { rows } = await this.pool.query<LeadRow>(
      `INSERT INTO leads (id, name, email, company, source, notes)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [randomUUID(), input.name, input.email, input.company ?? null, input.source, input.notes ?? null],
    );
    return toLead(rows[0] as LeadRow);
  }

  async findById(id: string): Promise<Lead | undefined> {
    const { rows } = await this.pool.query<LeadRow>(`SELECT ${COLUMNS} FROM leads WHERE id = $1`, [id]);
    return rows[0] ? toLead(rows[0]) : undefined;
  }

  /** Newest first; the cursor is the position of the last lead of the previous page. */
  async list(options: { status?: LeadStatus; limit: number; cursor?: string }): Promise<LeadPage> {
    const { rows } = await this.pool.query<LeadRow>(
      `SELECT ${COLUMNS} FROM leads
       WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR seq < $2)
       ORDER BY seq DESC LIMIT $3`,
      [options.status ?? null, options.cursor ?? null, options.limit + 1],
    );
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      leads: page.map(toLead),
      nextCursor: rows.length > options.limit && last ? last.seq : null,
    };
  }

  /** Changes the status along an allowed transition, recording the change, atomically. */
  async changeStatus(id: string, to: LeadStatus): Promise<StatusChangeResult> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      const current = await client.query<{ status: LeadStatus }>(
        "SELECT status FROM leads WHERE id = $1 FOR UPDATE",
        [id],
      );
      const from = current.rows[0]?.status;
      if (from === undefined) {
        await client.query("ROLLBACK");
        return { outcome: "not-found" };
      }
      if (!canTransition(from, to)) {
        await client.query("ROLLBACK");
        return { outcome: "forbidden", from };
      }
      const { rows } = await client.query<LeadRow>(
        `UPDATE leads SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [id, to],
      );
      await client.query(
        "INSERT INTO lead_status_changes (lead_id, from_status, to_status) VALUES ($1, $2, $3)",
        [id, from, to],
      );
      await client.query("COMMIT");
      return { outcome: "changed", lead: toLead(rows[0] as LeadRow), from };
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
