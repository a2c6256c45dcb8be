// IndexedDB (via Dexie) for what the worker captures while offline. For now: the
// outbox schema and a small typed API. Replay (on `online`, Background Sync and app
// start; 5xx / network error keeps an item pending, 4xx moves it to failed) comes
// with the screens that queue writes. Nothing here deletes an item except `remove`,
// which the replay calls after the server has acknowledged it: nothing a worker
// captured may vanish silently.

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
}

export const DB_NAME = "sitecheck";

export const db = new Dexie(DB_NAME) as Dexie & {
  outbox: EntityTable<OutboxItem, "id">;
};

// Schema: primary key first, then indexed fields. Bump the version (never edit an
// old one) when adding tables or indexes.
db.version(1).stores({
  outbox: "id, state, created_at, [state+created_at]",
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

/** The server refused the item: keep it, visible, with the reason. */
export async function markFailed(id: string, error: string): Promise<void> {
  await db.transaction("rw", db.outbox, async () => {
    const item = await db.outbox.get(id);
    if (!item) return;
    await db.outbox.update(id, { state: "failed", attempts: item.attempts + 1, last_error: error });
  });
}

/** Drop an item once the server has acknowledged it (201/200) or a person discards it. */
export async function remove(id: string): Promise<void> {
  await db.outbox.delete(id);
}
