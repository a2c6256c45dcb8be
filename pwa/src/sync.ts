// Outbox replay: sends what the worker queued (src/db.ts), oldest first.
//
// Triggers: app start, `online`, the page becoming visible, a Background Sync event
// relayed by the service worker (public/sw-sync.js), a timer, and every new item.
// Outcomes per item:
//   2xx                     -> removed (the server has it; a replay of a create is 200)
//   no answer, 5xx, 408/429 -> stays pending, attempts+1, retried after a backoff
//   401                     -> stays pending; the pass stops until the worker signs in
//   any other 4xx           -> "failed": shown in "needs attention" with the server's
//                              detail and code, until a person retries or discards it
// Only one pass runs at a time across every tab of the app (navigator.locks, with an
// in-tab flag where there are no locks), so an item is never sent twice at once; the
// server is idempotent by client id anyway, so a crash between "sent" and "removed"
// only costs a harmless 200 replay.

import { ApiError, NetworkError, apiResponse } from "./api";
import {
  db,
  enqueue,
  list,
  markFailed,
  markRetry,
  remove,
  countByState,
  type EnqueueInput,
  type OutboxItem,
  type OutboxState,
} from "./db";
import { getSession } from "./session";

export const SYNC_TAG = "sitecheck-outbox";
const LOCK_NAME = "sitecheck-outbox-replay";
const CHANNEL_NAME = "sitecheck-outbox";
// How often the timer looks for items whose backoff has run out.
const TIMER_MS = 20_000;
const BACKOFF_BASE_MS = 5_000;
const BACKOFF_MAX_MS = 30 * 60_000;

/** Milliseconds to wait before try number `attempts + 1`: 5 s, 10 s, 20 s ... capped at
 * 30 min, spread by +-25% so phones that lost signal together do not return together. */
export function backoffMs(attempts: number, random: number = Math.random()): number {
  const exponent = Math.max(0, attempts - 1);
  const plain = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(exponent, 20));
  return Math.round(plain * (0.75 + 0.5 * random));
}

/** What a status means for a queued write. */
export function classify(status: number): "done" | "retry" | "auth" | "failed" {
  if (status >= 200 && status < 300) return "done";
  if (status === 401) return "auth";
  if (status >= 500 || status === 408 || status === 429) return "retry";
  return "failed";
}

export interface ReplayOptions {
  /** Ignore backoff (the network just came back, or a person pressed "send now"). */
  force?: boolean;
}

export interface ReplayReport {
  sent: number;
  failed: number;
  retry: number;
  /** The pass stopped early: no network, or the session has expired. */
  stopped: "network" | "auth" | null;
}

// ---- change notifications (this tab and the others) --------------------------

type Listener = () => void;
const listeners = new Set<Listener>();
const channel: BroadcastChannel | null =
  typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL_NAME) : null;
channel?.addEventListener("message", () => notifyLocal());

function notifyLocal(): void {
  for (const listener of listeners) listener();
}

/** The outbox changed (here or in another tab). */
export function notifyChanged(): void {
  notifyLocal();
  channel?.postMessage("changed");
}

export function onOutboxChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Answers to items this tab sent, so the screen that queued one can show the result
// (e.g. a punch's verdict) when it went through at once.
export type Outcome<T> =
  | { state: "sent"; data: T }
  | { state: "failed"; message: string; code: string | null; status: number }
  | { state: "queued" };

const outcomes = new Map<string, Outcome<unknown>>();
const outcomeWaiters = new Map<string, Array<(value: Outcome<unknown>) => void>>();

function settle(id: string, value: Outcome<unknown>): void {
  if (value.state !== "queued") outcomes.set(id, value);
  for (const resolve of outcomeWaiters.get(id) ?? []) resolve(value);
  outcomeWaiters.delete(id);
}

// ---- sending -----------------------------------------------------------------

export function toFormData(body: Extract<OutboxItem["body"], { type: "multipart" }>): FormData {
  const form = new FormData();
  for (const part of body.parts) {
    if (typeof part.value === "string") form.append(part.name, part.value);
    else form.append(part.name, part.value, part.filename ?? "blob");
  }
  return form;
}

async function send(item: OutboxItem, token: string): Promise<{ status: number; data: unknown }> {
  const body = item.body;
  return apiResponse<unknown>(item.url, {
    method: item.method,
    token,
    ...(body?.type === "json" ? { json: body.json } : {}),
    ...(body?.type === "multipart" ? { form: toFormData(body) } : {}),
  });
}

async function pass(options: ReplayOptions): Promise<ReplayReport> {
  const report: ReplayReport = { sent: 0, failed: 0, retry: 0, stopped: null };
  const session = getSession();
  if (!session) return { ...report, stopped: "auth" };
  const waiting = await list("pending");
  // Items that must not go before another one still in the outbox (pending or failed).
  const unsent = new Set((await db.outbox.toCollection().primaryKeys()) as string[]);
  // An item waiting for one that sorts after it (same capture time) gets one more
  // turn at the end of the pass.
  const queue = [...waiting];
  const deferred = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i]!;
    if (item.user_id && item.user_id !== session.user.id) continue;
    if (!options.force && (item.next_at ?? 0) > Date.now()) continue;
    if (item.depends_on && unsent.has(item.depends_on)) {
      if (!deferred.has(item.id)) {
        deferred.add(item.id);
        queue.push(item);
      }
      continue;
    }
    // Another tab may have finished it while this pass was under way.
    const fresh = await db.outbox.get(item.id);
    if (!fresh || fresh.state !== "pending") continue;
    let outcome: ReturnType<typeof classify>;
    try {
      const answer = await send(fresh, session.token);
      await remove(fresh.id);
      unsent.delete(fresh.id);
      settle(fresh.id, { state: "sent", data: answer.data });
      report.sent++;
      notifyChanged();
      continue;
    } catch (error) {
      if (error instanceof NetworkError) {
        await markRetry(fresh.id, "network", Date.now() + backoffMs(fresh.attempts + 1));
        settle(fresh.id, { state: "queued" });
        notifyChanged();
        return { ...report, retry: report.retry + 1, stopped: "network" };
      }
      if (!(error instanceof ApiError)) throw error;
      outcome = classify(error.status);
      const message = error.detail ?? error.problem?.title ?? `HTTP ${error.status}`;
      if (outcome === "auth") {
        settle(fresh.id, { state: "queued" });
        return { ...report, stopped: "auth" };
      }
      if (outcome === "retry") {
        const wait = Math.max(backoffMs(fresh.attempts + 1), (error.retryAfterS ?? 0) * 1000);
        await markRetry(fresh.id, message, Date.now() + wait, error.status);
        settle(fresh.id, { state: "queued" });
        report.retry++;
      } else {
        await markFailed(fresh.id, message, error.code, error.status);
        settle(fresh.id, { state: "failed", message, code: error.code, status: error.status });
        report.failed++;
      }
      notifyChanged();
    }
  }
  return report;
}

let running: Promise<ReplayReport> | null = null;
let again: ReplayOptions | null = null;

/** Send what is due now. Concurrent calls share one pass; a call that arrives during a
 * pass runs one more pass after it (the new item may have missed the first). */
export function replay(options: ReplayOptions = {}): Promise<ReplayReport> {
  if (running) {
    again = { force: Boolean(again?.force || options.force) };
    return running;
  }
  running = (async () => {
    let report = await locked(() => pass(options));
    while (again) {
      const next = again;
      again = null;
      report = await locked(() => pass(next));
    }
    return report;
  })().finally(() => {
    running = null;
    if (again) {
      // Asked for between the last pass and here.
      const next = again;
      again = null;
      void replay(next).catch((error: unknown) => console.error("replay", error));
      return;
    }
    // Whatever this round did not settle stays queued: tell whoever is waiting now
    // rather than at their timeout.
    for (const id of [...outcomeWaiters.keys()]) settle(id, { state: "queued" });
  });
  return running;
}

async function locked(fn: () => Promise<ReplayReport>): Promise<ReplayReport> {
  const skipped: ReplayReport = { sent: 0, failed: 0, retry: 0, stopped: null };
  if (typeof navigator !== "undefined" && navigator.locks?.request) {
    // ifAvailable: another tab is replaying right now, and it sends everything due.
    const result: ReplayReport | null = await navigator.locks.request(LOCK_NAME, { ifAvailable: true }, (lock) =>
      lock ? fn() : null,
    );
    return result ?? skipped;
  }
  return fn();
}

/** Wait up to `timeoutMs` for what happened to a queued item on its first try. */
export function outcomeOf<T>(id: string, timeoutMs: number): Promise<Outcome<T>> {
  const known = outcomes.get(id);
  if (known) return Promise.resolve(known as Outcome<T>);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ state: "queued" }), timeoutMs);
    const waiters = outcomeWaiters.get(id) ?? [];
    waiters.push((value) => {
      clearTimeout(timer);
      resolve(value as Outcome<T>);
    });
    outcomeWaiters.set(id, waiters);
  });
}

/** Ask the browser to wake the service worker when the network is back (Chromium's
 * Background Sync), even if the worker has closed the app by then. */
export async function requestBackgroundSync(): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    const sync = (registration as (ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } }) | undefined)?.sync;
    await sync?.register(SYNC_TAG);
  } catch {
    // Not supported or not permitted: the other triggers still replay.
  }
}

export async function counts(): Promise<Record<OutboxState, number>> {
  return countByState();
}

/** Queue a write and try to send it at once. Resolves with what happened within
 * `waitMs`: sent (with the server's answer), refused, or queued for later. */
export async function submit<T>(input: EnqueueInput, waitMs = 20_000): Promise<{ item: OutboxItem; outcome: Outcome<T> }> {
  const [first] = await submitAll<T>([input], waitMs);
  return first!;
}

/** Queue writes that belong together (an inspection and its photos) in this order,
 * then send them; each resolves like `submit`. */
export async function submitAll<T>(inputs: EnqueueInput[], waitMs = 20_000): Promise<Array<{ item: OutboxItem; outcome: Outcome<T> }>> {
  const session = getSession();
  const base = Date.now();
  const items: OutboxItem[] = [];
  for (const [i, input] of inputs.entries()) {
    // Strictly increasing queue times keep the group's order in the replay.
    const created = input.created_at ?? new Date(base + i).toISOString();
    items.push(await enqueue({ ...input, created_at: created, user_id: input.user_id ?? session?.user.id ?? null }));
  }
  notifyChanged();
  void requestBackgroundSync();
  if (!navigator.onLine) return items.map((item) => ({ item, outcome: { state: "queued" } }));
  const outcomes = items.map((item) => outcomeOf<T>(item.id, waitMs));
  void replay({ force: true }).catch((error: unknown) => console.error("replay", error));
  const settled = await Promise.all(outcomes);
  return items.map((item, i) => ({ item, outcome: settled[i]! }));
}

let started = false;

/** Wire every trigger once, at app start. */
export function startSync(): void {
  if (started) return;
  started = true;
  const kick = (force: boolean) => void replay({ force }).catch((error: unknown) => console.error("replay", error));
  window.addEventListener("online", () => kick(true));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") kick(false);
  });
  // The service worker relays Background Sync events (public/sw-sync.js).
  navigator.serviceWorker?.addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { type?: string } | null;
    if (data?.type === "sitecheck-replay") kick(true);
  });
  setInterval(() => {
    if (navigator.onLine) kick(false);
  }, TIMER_MS);
  kick(false);
}
