import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { authHeaders, startTestService, type TestService } from "./support/service.js";

let db: TestDatabase;
let service: TestService;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService(db.url);
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await service.stop();
  await db.drop();
});

interface Sent {
  status: number;
  body: any;
  headers: Headers;
}

async function send(method: string, path: string, body?: unknown, headers = authHeaders()): Promise<Sent> {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed, headers: response.headers };
}

const newLead = (overrides: Record<string, unknown> = {}) => ({
  name: "Grace Hopper",
  email: "grace@example.com",
  company: "Navy",
  source: "referral",
  notes: "Met at the conference",
  ...overrides,
});

/** A fingerprint of everything stored, to prove a rejected request changed nothing. */
async function snapshot(): Promise<string> {
  const { rows } = await pool.query<{ leads: string | null; changes: string | null }>(`
    SELECT (SELECT md5(string_agg(l::text, '|' ORDER BY seq)) FROM leads l) AS leads,
           (SELECT md5(string_agg(c::text, '|' ORDER BY id)) FROM lead_status_changes c) AS changes`);
  return JSON.stringify(rows[0]);
}

describe("the leads API", () => {
  it("creates a lead and reads it back", async () => {
    const created = await send(
      "POST",
      "/api/leads",
      newLead({ name: "  Ada Lovelace ", email: "ada@example.com" }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Ada Lovelace",
      email: "ada@example.com",
      company: "Navy",
      source: "referral",
      status: "new",
    });
    expect(created.headers.get("location")).toBe(`/api/leads/${created.body.id}`);
    const read = await send("GET", `/api/leads/${created.body.id}`);
    expect(read).toMatchObject({ status: 200, body: created.body });
    const again = await send("GET", `/api/leads/${created.body.id}`);
    expect(again.body).toEqual(created.body);
  });

  it("accepts a lead without the optional fields", async () => {
    const created = await send("POST", "/api/leads", {
      name: "Min",
      email: "min@example.com",
      source: "website",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ company: null, notes: null });
  });

  it("moves a lead along the allowed transitions and records each change", async () => {
    const { body: lead } = await send("POST", "/api/leads", newLead());
    for (const status of ["contacted", "qualified", "converted"]) {
      const changed = await send("PATCH", `/api/leads/${lead.id}/status`, { status });
      expect(changed.status).toBe(200);
      expect(changed.body.status).toBe(status);
    }
    expect((await send("GET", `/api/leads/${lead.id}`)).body.status).toBe("converted");
    const { rows } = await pool.query(
      "SELECT from_status, to_status FROM lead_status_changes WHERE lead_id = $1 ORDER BY id",
      [lead.id],
    );
    expect(rows).toEqual([
      { from_status: "new", to_status: "contacted" },
      { from_status: "contacted", to_status: "qualified" },
      { from_status: "qualified", to_status: "converted" },
    ]);
  });

  it("lists leads newest first with a status filter and cursor pagination", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { body } = await send("POST", "/api/leads", newLead({ name: `Page ${i}`, source: "event" }));
      ids.push(body.id);
    }
    await send("PATCH", `/api/leads/${ids[6]}/status`, { status: "lost" });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/leads?status=new&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await send("GET", query);
      expect(page.status).toBe(200);
      expect(page.body.leads.length).toBeLessThanOrEqual(3);
      for (const lead of page.body.leads) {
        expect(lead.status).toBe("new");
        seen.push(lead.id);
      }
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    const ours = seen.filter((id) => ids.includes(id));
    expect(ours).toEqual(ids.slice(0, 6).reverse());
    const lost = await send("GET", "/api/leads?status=lost");
    expect(lost.body.leads.map((lead: { id: string }) => lead.id)).toContain(ids[6]);
  });
});

describe("bad input", () => {
  let leadId: string;
  const missing = "00000000-0000-4000-8000-000000000000";
  const noToken = { "content-type": "application/json" };

  beforeAll(async () => {
    leadId = (await send("POST", "/api/leads", newLead())).body.id;
  });

  const cases: Array<[string, () => Promise<Sent>, number, string]> = [
    ["malformed JSON", () => send("POST", "/api/leads", '{"name": "x",'), 400, "not valid JSON"],
    ["an empty JSON body", () => send("POST", "/api/leads", ""), 400, "empty"],
    ["a JSON array", () => send("POST", "/api/leads", [newLead()]), 400, "body must be a JSON object"],
    ["a wrong type", () => send("POST", "/api/leads", newLead({ name: 42 })), 400, "body.name"],
    [
      "a missing field",
      () => send("POST", "/api/leads", { email: "a@b.co", source: "web" }),
      400,
      "body.name is required",
    ],
    [
      "an unknown field",
      () => send("POST", "/api/leads", newLead({ admin: true })),
      400,
      "body.admin is not allowed",
    ],
    [
      "an invalid email",
      () => send("POST", "/api/leads", newLead({ email: "not-an-email" })),
      400,
      "body.email must be a valid email address",
    ],
    [
      "an unknown source",
      () => send("POST", "/api/leads", newLead({ source: "tv" })),
      400,
      "body.source must be one of",
    ],
    [
      "a blank name",
      () => send("POST", "/api/leads", newLead({ name: "   " })),
      400,
      "body.name must not be empty",
    ],
    [
      "a prototype-poisoning body",
      () => send("POST", "/api/leads", '{"__proto__": {"admin": true}}'),
      400,
      "not valid JSON",
    ],
    [
      "a body over 64 KiB",
      () => send("POST", "/api/leads", newLead({ notes: "x".repeat(70_000) })),
      413,
      "too large",
    ],
    [
      "a non-JSON content type",
      () => send("POST", "/api/leads", "name=x", authHeaders({ "content-type": "text/plain" })),
      415,
      "Unsupported Media Type",
    ],
    [
      "a forbidden transition",
      () => send("PATCH", `/api/leads/${leadId}/status`, { status: "converted" }),
      409,
      "body.status cannot change from new to converted; allowed: contacted, qualified, lost",
    ],
    [
      "an unknown status",
      () => send("PATCH", `/api/leads/${leadId}/status`, { status: "won" }),
      400,
      "body.status must be one of",
    ],
    ["an unknown id", () => send("GET", `/api/leads/${missing}`), 404, `lead ${missing} does not exist`],
    [
      "an unknown id on a status change",
      () => send("PATCH", `/api/leads/${missing}/status`, { status: "lost" }),
      404,
      "does not exist",
    ],
    ["an id that is not a UUID", () => send("GET", "/api/leads/12345"), 400, "params.id must be a UUID"],
    [
      "a limit out of range",
      () => send("GET", "/api/leads?limit=1000"),
      400,
      "query.limit must be an integer between 1 and 100",
    ],
    ["a forged cursor", () => send("GET", "/api/leads?cursor=abc"), 400, "query.cursor"],
    [
      "a cursor past bigint",
      () => send("GET", "/api/leads?cursor=99999999999999999999"),
      400,
      "query.cursor",
    ],
    [
      "an unknown query parameter",
      () => send("GET", "/api/leads?sort=name"),
      400,
      "query.sort is not allowed",
    ],
    ["a repeated status filter", () => send("GET", "/api/leads?status=new&status=lost"), 400, "query.status"],
    [
      "no token",
      () => send("POST", "/api/leads", newLead(), noToken),
      401,
      "authorization header is required",
    ],
    [
      "a wrong token",
      () => send("POST", "/api/leads", newLead(), authHeaders({ authorization: "Bearer wrong-token" })),
      401,
      "is invalid",
    ],
    [
      "a malformed authorization header",
      () => send("GET", "/api/leads", undefined, authHeaders({ authorization: "Basic Zm9vOmJhcg==" })),
      401,
      "is malformed",
    ],
    [
      "no token with a malformed body",
      () => send("POST", "/api/leads", "{oops", noToken),
      401,
      "authorization header is required",
    ],
    ["an unknown route", () => send("GET", "/api/nothing-here"), 404, "no route for GET /api/nothing-here"],
  ];

  it.each(cases)(
    "rejects %s with the right status and a message, changing nothing",
    async (_name, request, status, message) => {
      const before = await snapshot();
      const response = await request();
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ statusCode: status });
      expect(response.body.message).toContain(message);
      expect(response.headers.get("x-request-id")).toBe(response.body.requestId);
      expect(await snapshot()).toBe(before);
    },
  );

  it("answers 401 with a Bearer challenge", async () => {
    const response = await send("GET", "/api/leads", undefined, noToken);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="leadms"');
  });

  it("survives 2,000 randomized malformed requests with no 5xx and no change to the data", async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const before = await snapshot();
    const failures: string[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const requests = Array.from({ length: 20 }, () => malformedRequest(random, leadId));
      const results = await Promise.all(
        requests.map(async (r) => {
          const response = await fetch(`${service.url}${r.path}`, {
            method: r.method,
            headers: r.headers,
            body: r.body,
          });
          await response.arrayBuffer();
          return { ...r, status: response.status };
        }),
      );
      for (const r of results) {
        if (r.status >= 500)
          failures.push(`${r.status} ${r.method} ${r.path} ${String(r.body).slice(0, 200)}`);
      }
    }
    expect(failures, `seed ${seed}`).toEqual([]);
    expect(await snapshot(), `seed ${seed}`).toBe(before);
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
  });
});

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/** A request that is wrong in at least one way: the body never forms a complete valid lead. */
function malformedRequest(random: () => number, leadId: string): FuzzRequest {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const junkString = () =>
    pick([
      "",
      " ",
      "x".repeat(Math.floor(random() * 300)),
      "💥\u0000\uffff",
      "<script>",
      "' OR 1=1 --",
      "%zz",
      "\\u0000",
    ]);
  const junkValue = (depth = 0): unknown => {
    const kind = Math.floor(random() * (depth > 2 ? 5 : 7));
    if (kind === 0) return null;
    if (kind === 1) return random() * 1e12 - 5e11;
    if (kind === 2) return random() < 0.5;
    if (kind === 3) return junkString();
    if (kind === 4) return pick(["new", "converted", "won", "website", "a@b", leadId]);
    if (kind === 5) return Array.from({ length: Math.floor(random() * 4) }, () => junkValue(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 5) }, () => [
        pick([
          "name",
          "email",
          "source",
          "status",
          "company",
          "notes",
          "__proto__",
          "constructor",
          junkString(),
        ]),
        junkValue(depth + 1),
      ]),
    );
  };
  const body = (): string | Uint8Array | undefined => {
    switch (Math.floor(random() * 7)) {
      case 0:
        return undefined;
      case 1:
        return JSON.stringify(junkValue()).slice(0, Math.floor(random() * 50));
      case 2:
        return Uint8Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256));
      case 3:
        return `{"name": "${"a".repeat(Math.floor(random() * 100_000))}"`;
      case 4:
        return JSON.stringify({ ...newLead(), email: junkString(), extra: junkValue() });
      default:
        return JSON.stringify(junkValue());
    }
  };
  const path = pick([
    "/api/leads",
    `/api/leads/${leadId}`,
    `/api/leads/${leadId}/status`,
    `/api/leads/${encodeURIComponent(junkString())}`,
    `/api/leads/${leadId}/status?${junkString()}=${junkString()}`,
    `/api/leads?limit=${encodeURIComponent(String(junkValue()))}&cursor=${encodeURIComponent(junkString())}`,
    `/api/leads?status=${encodeURIComponent(junkString())}`,
    "/api/leads/%zz",
    "/api/../../etc/passwd",
    "/health/%00",
  ]);
  const headers: Record<string, string> = {};
  const auth = Math.floor(random() * 4);
  if (auth === 1) headers.authorization = authHeaders().authorization as string;
  if (auth === 2) headers.authorization = `Bearer ${junkString().replace(/[^\x21-\x7e]/g, "")}`;
  if (auth === 3) headers.authorization = "Bearer";
  headers["content-type"] = pick([
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/json; charset=latin1",
  ]);
  const method = pick(["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"]);
  return { method, path, headers, body: method === "GET" ? undefined : body() };
}
