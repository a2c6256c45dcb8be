// IndexedDB (via Dexie) for what the worker captures while offline: the outbox of
// queued writes (replayed by src/sync.ts) and a small key-value cache of what the
// worker needs to read offline (their sites, the ledger of equipment and batches).
// Nothing here deletes an outbox item except `remove`, which the replay calls after
// the server has acknowledged it or a person discards it: nothing a worker captured
// may vanish silently.

import Dexie, { type EntityTable } from "dexie";

export type OutboxMethod = "POST" | "PUT" | "PATCH" | "DELETE";

/** pending: waiting to be sent (or retried); failed: the server refused it (4xx) and a
 * person has to look at it. */
export type OutboxState = "pending" | "failed";

/** A request body that survives being stored: JSON, or multipart parts whose files
 * are Blobs (IndexedDB stores Blobs natively, so photos need no base64). */
export type OutboxBody =
  | { type: "json"; json: unknown }
  | { type: "multipart"; parts: Array<{ name: string; value: string | Blob; filename?: string }> }
  | null;

export interface OutboxItem {
  /** The client-generated UUID; also the `id` the server deduplicates on (API.md). */
  id: string;
  method: OutboxMethod;
  /** Relative URL, e.g. "/api/inspections". */
  url: string;
  body: OutboxBody;
  /** RFC 3339, when the worker did the thing (not when it was sent). */
  created_at: string;
  attempts: number;
  last_error: string | null;
  state: OutboxState;
  /** The problem `code` and HTTP status of the last refusal or server error. */
  last_code?: string | null;
  last_status?: number | null;
  /** Epoch ms before which the replay leaves the item alone (backoff after errors). */
  next_at?: number;
  /** An item that must reach the server first (a photo waits for its inspection). */
  depends_on?: string | null;
  /** Who queued it: another person signing in on the same phone never sends it. */
  user_id?: string | null;
  /** What it is, for the waiting and "needs attention" lists. */
  kind?: OutboxKind;
  summary?: string;
}

export type OutboxKind = "punch" | "inspection" | "photo" | "equipment_event" | "receipt";

/** Something cached for offline reading, by a key such as "ledger:<user id>". */
export interface CacheEntry {
  key: string;
  value: unknown;
  /** Epoch ms when it was fetched. */
  saved_at: number;
}

export const DB_NAME = "sitecheck";

export const db = new Dexie(DB_NAME) as Dexie & {
  outbox: EntityTable<OutboxItem, "id">;
  cache: EntityTable<CacheEntry, "key">;
};

// Schema: primary key first, then indexed fields. Bump the version (never edit an
// old one) when adding tables or indexes.
db.version(1).stores({
  outbox: "id, state, created_at, [state+created_at]",
});
db.version(2).stores({
  outbox: "id, state, created_at, [state+created_at]",
  cache: "key",
});

/** A random v4 UUID; crypto.randomUUID needs a secure context, so fall back for a
 * phone reaching a test server over plain http on the LAN. */
export function newId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface EnqueueInput {
  method: OutboxMethod;
  url: string;
  body?: OutboxBody;
  /** Pass the UUID already inside the body, so the queued request and the record the
   * server creates share it; a new one is generated otherwise. */
  id?: string;
  created_at?: string;
  depends_on?: string | null;
  user_id?: string | null;
  kind?: OutboxKind;
  summary?: string;
}

export async function enqueue(input: EnqueueInput): Promise<OutboxItem> {
  const item: OutboxItem = {
    id: input.id ?? newId(),
    method: input.method,
    url: input.url,
    body: input.body ?? null,
    created_at: input.created_at ?? new Date().toISOString(),
    attempts: 0,
    last_error: null,
    state: "pending",
    last_code: null,
    last_status: null,
    next_at: 0,
    depends_on: input.depends_on ?? null,
    user_id: input.user_id ?? null,
    ...(input.kind ? { kind: input.kind } : {}),
    ...(input.summary ? { summary: input.summary } : {}),
  };
  // add, not put: queuing the same id twice is a bug and must not overwrite.
  await db.outbox.add(item);
  return item;
}

/** Items oldest first (replay order), optionally only those in one state. */
export function list(state?: OutboxState): Promise<OutboxItem[]> {
  if (state) {
    return db.outbox
      .where("[state+created_at]")
      .between([state, Dexie.minKey], [state, Dexie.maxKey])
      .toArray();
  }
  return db.outbox.orderBy("created_at").toArray();
}

/** Count one more attempt on an item and record how it went, in one transaction. */
async function attempted(id: string, changes: Partial<OutboxItem>): Promise<void> {
  await db.transaction("rw", db.outbox, async () => {
    const item = await db.outbox.get(id);
    if (item) await db.outbox.update(id, { ...changes, attempts: item.attempts + 1 });
  });
}

/** The server refused the item: keep it, visible, with the reason. */
export function markFailed(id: string, error: string, code: string | null = null, status: number | null = null): Promise<void> {
  return attempted(id, { state: "failed", last_error: error, last_code: code, last_status: status });
}

/** No answer or a server error: keep it pending and try again at `nextAt`. */
export function markRetry(id: string, error: string, nextAt: number, status: number | null = null): Promise<void> {
  return attempted(id, { last_error: error, last_status: status, next_at: nextAt });
}

/** A person asked to send a failed item again (after fixing the cause). */
export async function requeue(id: string): Promise<void> {
  await db.outbox.update(id, { state: "pending", next_at: 0 });
}

export async function countByState(): Promise<Record<OutboxState, number>> {
  const [pending, failed] = await Promise.all([
    db.outbox.where("state").equals("pending").count(),
    db.outbox.where("state").equals("failed").count(),
  ]);
  return { pending, failed };
}

export async function cacheGet<T>(key: string): Promise<CacheEntry & { value: T } | undefined> {
  return (await db.cache.get(key)) as (CacheEntry & { value: T }) | undefined;
}

export async function cachePut(key: string, value: unknown, now = Date.now()): Promise<void> {
  await db.cache.put({ key, value, saved_at: now });
}

/** Drop an item once the server has acknowledged it (201/200) or a person discards it. */
export async function remove(id: string): Promise<void> {
  await db.outbox.delete(id);
}
