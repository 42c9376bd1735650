import { z } from "zod";

export const LEAD_STATUSES = ["new", "contacted", "qualified", "converted", "lost"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** A closed list: `source` is a metric label, so free text would make the series count unbounded. */
export const LEAD_SOURCES = ["website", "referral", "event", "partner", "outbound", "other"] as const;
export type LeadSource = (typeof LEAD_SOURCES)[number];

/** Allowed status changes. `converted` and `lost` are final. */
export const STATUS_TRANSITIONS: Readonly<Record<LeadStatus, readonly LeadStatus[]>> = {
  new: ["contacted", "qualified", "lost"],
  contacted: ["qualified", "lost"],
  qualified: ["converted", "lost"],
  converted: [],
  lost: [],
};

export function canTransition(from: LeadStatus, to: LeadStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

export interface Lead {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly company: string | null;
  readonly source: LeadSource;
  readonly notes: string | null;
  readonly status: LeadStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const trimmed = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

export const createLeadBody = z.strictObject({
  name: trimmed(200),
  email: z.email("must be a valid email address").max(254, "must be at most 254 characters"),
  company: trimmed(200).optional(),
  source: z.enum(LEAD_SOURCES, { error: `must be one of ${LEAD_SOURCES.join(", ")}` }),
  notes: z.string().max(10_000, "must be at most 10000 characters").optional(),
});
export type CreateLeadInput = z.output<typeof createLeadBody>;

export const changeStatusBody = z.strictObject({
  status: z.enum(LEAD_STATUSES, { error: `must be one of ${LEAD_STATUSES.join(", ")}` }),
});

export const leadIdParams = z.strictObject({
  id: z.uuid("must be a UUID"),
});

export const listLeadsQuery = z.strictObject({
  status: z.enum(LEAD_STATUSES, { error: `must be one of ${LEAD_STATUSES.join(", ")}` }).optional(),
  limit: z.coerce
    .number({ error: "must be an integer between 1 and 100" })
    .int("must be an integer between 1 and 100")
    .min(1, "must be an integer between 1 and 100")
    .max(100, "must be an integer between 1 and 100")
    .default(20),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,17}$/, "must be a cursor returned by a previous page")
    .optional(),
});
