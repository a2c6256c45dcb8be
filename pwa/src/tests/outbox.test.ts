import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { countByState, db, enqueue, list, markFailed, markRetry, requeue, type OutboxItem } from "../db";
import { backoffMs, classify, onOutboxChange, outcomeOf, replay, submit, toFormData } from "../sync";

const USER = "11111111-1111-4111-8111-111111111111";

function signIn(userId = USER): void {
  localStorage.setItem(
    "sitecheck.session",
    JSON.stringify({ token: "tok", tokenType: "Bearer", expiresAt: Date.now() + 3600_000, user: { id: userId, name: "W", role: "worker", company_id: "c" } }),
  );
}

interface Seen {
  url: string;
  method: string;
  body: unknown;
  auth: string | null;
}

/** A fetch that answers by URL with a status (or throws for "network"), recording calls. */
function server(answers: Record<string, Array<number | "network">>): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    const headers = new Headers(init.headers);
    seen.push({ url, method: init.method ?? "GET", body: init.body, auth: headers.get("Authorization") });
    const queue = answers[url] ?? [201];
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    if (next === "network") throw new TypeError("Failed to fetch");
    if (next >= 400) {
      return new Response(JSON.stringify({ status: next, code: next === 422 ? "site_not_found" : "boom", detail: `refused ${next}` }), {
        status: next,
        headers: { "Content-Type": "application/problem+json" },
      });
    }
    return new Response(JSON.stringify({ ok: url }), { status: next, headers: { "Content-Type": "application/json" } });
  });
  return seen;
}

function json(url: string, at: string, extra: Partial<Parameters<typeof enqueue>[0]> = {}): Promise<OutboxItem> {
  return enqueue({ method: "POST", url, body: { type: "json", json: { url } }, created_at: at, user_id: USER, ...extra });
}

beforeEach(async () => {
  await db.outbox.clear();
  localStorage.clear();
  signIn();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("outbox store", () => {
  it("lists oldest first, per state", async () => {
    await json("/b", "2024-01-01T10:00:02Z");
    await json("/a", "2024-01-01T10:00:01Z");
    const failed = await json("/c", "2024-01-01T10:00:00Z");
    await markFailed(failed.id, "nope", "bad", 422);
    expect((await list()).map((i) => i.url)).toEqual(["/c", "/a", "/b"]);
    expect((await list("pending")).map((i) => i.url)).toEqual(["/a", "/b"]);
    const [f] = await list("failed");
    expect(f).toMatchObject({ state: "failed", attempts: 1, last_error: "nope", last_code: "bad", last_status: 422 });
    expect(await countByState()).toEqual({ pending: 2, failed: 1 });
  });

  it("never overwrites an item queued twice with the same id", async () => {
    const item = await json("/a", "2024-01-01T10:00:00Z");
    await expect(enqueue({ id: item.id, method: "POST", url: "/other" })).rejects.toThrow();
    expect((await db.outbox.get(item.id))?.url).toBe("/a");
  });

  it("keeps Blobs of multipart items and rebuilds them as FormData", async () => {
    const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: "image/jpeg" });
    const item = await enqueue({
      method: "POST",
      url: "/api/inspections/x/photos",
      body: { type: "multipart", parts: [{ name: "meta", value: '{"id":"1"}' }, { name: "file", value: photo, filename: "photo.jpg" }] },
    });
    const stored = await db.outbox.get(item.id);
    if (stored?.body?.type !== "multipart") throw new Error("body lost");
    const form = toFormData(stored.body);
    expect(form.get("meta")).toBe('{"id":"1"}');
    const file = form.get("file") as File;
    expect(file.name).toBe("photo.jpg");
    expect(file.size).toBe(4);
    expect(file.type).toBe("image/jpeg");
  });
});

describe("replay", () => {
  it("sends oldest first and removes what the server acknowledged (201 and 200)", async () => {
    await json("/api/two", "2024-01-01T10:00:02Z");
    await json("/api/one", "2024-01-01T10:00:01Z");
    const seen = server({ "/api/one": [201], "/api/two": [200] });
    const report = await replay();
    expect(seen.map((s) => s.url)).toEqual(["/api/one", "/api/two"]);
    expect(seen.every((s) => s.auth === "Bearer tok")).toBe(true);
    expect(report).toMatchObject({ sent: 2, failed: 0, stopped: null });
    expect(await db.outbox.count()).toBe(0);
  });

  it("keeps a 5xx pending with attempts and a backoff, and leaves it alone until then", async () => {
    const item = await json("/api/flaky", "2024-01-01T10:00:00Z");
    const seen = server({ "/api/flaky": [503, 201] });
    const before = Date.now();
    expect(await replay()).toMatchObject({ retry: 1, sent: 0 });
    const kept = await db.outbox.get(item.id);
    expect(kept).toMatchObject({ state: "pending", attempts: 1, last_status: 503, last_error: "refused 503" });
    expect(kept!.next_at!).toBeGreaterThan(before);
    // Not due yet: a timer pass does not send it...
    await replay();
    expect(seen).toHaveLength(1);
    // ...a forced one (the network came back) does.
    expect(await replay({ force: true })).toMatchObject({ sent: 1 });
    expect(seen).toHaveLength(2);
    expect(await db.outbox.count()).toBe(0);
  });

  it("stops at a network error and keeps everything", async () => {
    await json("/api/one", "2024-01-01T10:00:01Z");
    await json("/api/two", "2024-01-01T10:00:02Z");
    const seen = server({ "/api/one": ["network"] });
    expect(await replay()).toMatchObject({ stopped: "network", sent: 0 });
    expect(seen).toHaveLength(1);
    expect(await countByState()).toEqual({ pending: 2, failed: 0 });
    expect((await list("pending"))[0]).toMatchObject({ attempts: 1, last_error: "network" });
  });

  it("moves a 4xx to failed with the server's detail and code, and goes on", async () => {
    const bad = await json("/api/bad", "2024-01-01T10:00:01Z");
    await json("/api/good", "2024-01-01T10:00:02Z");
    server({ "/api/bad": [422], "/api/good": [201] });
    expect(await replay()).toMatchObject({ sent: 1, failed: 1 });
    expect(await db.outbox.get(bad.id)).toMatchObject({ state: "failed", last_error: "refused 422", last_code: "site_not_found", last_status: 422 });
    // Failed items are not replayed until a person asks.
    const seen = server({});
    await replay({ force: true });
    expect(seen).toHaveLength(0);
    await requeue(bad.id);
    await replay();
    expect(seen.map((s) => s.url)).toEqual(["/api/bad"]);
  });

  it("keeps items pending on 401 (expired session) and 429 (rate limited)", async () => {
    const a = await json("/api/auth", "2024-01-01T10:00:01Z");
    server({ "/api/auth": [401] });
    expect(await replay()).toMatchObject({ stopped: "auth" });
    expect(await db.outbox.get(a.id)).toMatchObject({ state: "pending" });
    await db.outbox.clear();
    const b = await json("/api/slow", "2024-01-01T10:00:01Z");
    server({ "/api/slow": [429] });
    await replay();
    expect(await db.outbox.get(b.id)).toMatchObject({ state: "pending", attempts: 1, last_status: 429 });
  });

  it("sends nothing without a session, and never another person's items", async () => {
    await json("/api/mine", "2024-01-01T10:00:01Z");
    await json("/api/theirs", "2024-01-01T10:00:02Z", { user_id: "22222222-2222-4222-8222-222222222222" });
    localStorage.clear();
    const seen = server({});
    expect(await replay()).toMatchObject({ stopped: "auth" });
    expect(seen).toHaveLength(0);
    signIn();
    await replay();
    expect(seen.map((s) => s.url)).toEqual(["/api/mine"]);
    expect(await db.outbox.count()).toBe(1);
  });

  it("holds a photo back until its inspection has arrived, even when queued in the same millisecond", async () => {
    const inspection = await json("/api/inspections", "2024-01-01T10:00:00Z", { id: "ffffffff-0000-4000-8000-000000000000" });
    await json("/api/inspections/x/photos", "2024-01-01T10:00:00Z", { id: "00000000-0000-4000-8000-000000000000", depends_on: inspection.id });
    let seen = server({ "/api/inspections": [503] });
    await replay();
    expect(seen.map((s) => s.url)).toEqual(["/api/inspections"]);
    seen = server({});
    await replay({ force: true });
    expect(seen.map((s) => s.url)).toEqual(["/api/inspections", "/api/inspections/x/photos"]);
    expect(await db.outbox.count()).toBe(0);
  });

  it("sends each item once however many triggers fire together", async () => {
    for (let i = 0; i < 5; i++) await json(`/api/item/${i}`, `2024-01-01T10:00:0${i}Z`);
    const seen = server({});
    await Promise.all([replay(), replay({ force: true }), replay(), replay()]);
    expect(seen.map((s) => s.url).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `/api/item/${i}`));
    expect(await db.outbox.count()).toBe(0);
  });

  it("submit queues, sends at once and hands back the answer; offline it stays queued", async () => {
    server({ "/api/punch": [201] });
    let changes = 0;
    const stop = onOutboxChange(() => changes++);
    const { item, outcome } = await submit<{ ok: string }>({ method: "POST", url: "/api/punch", body: { type: "json", json: {} } });
    stop();
    expect(outcome).toEqual({ state: "sent", data: { ok: "/api/punch" } });
    expect(await db.outbox.get(item.id)).toBeUndefined();
    expect(changes).toBeGreaterThan(0);

    (navigator as { onLine: boolean }).onLine = false;
    try {
      const queued = await submit({ method: "POST", url: "/api/punch", body: { type: "json", json: {} } });
      expect(queued.outcome).toEqual({ state: "queued" });
      expect(await db.outbox.get(queued.item.id)).toMatchObject({ state: "pending", user_id: USER });
    } finally {
      (navigator as { onLine: boolean }).onLine = true;
    }
  });

  it("reports a refusal to whoever waits for the item", async () => {
    server({ "/api/bad": [422] });
    const item = await json("/api/bad", "2024-01-01T10:00:00Z");
    const waiting = outcomeOf(item.id, 5000);
    await replay();
    expect(await waiting).toEqual({ state: "failed", message: "refused 422", code: "site_not_found", status: 422 });
  });

  it("markRetry counts attempts without changing the state", async () => {
    const item = await json("/api/x", "2024-01-01T10:00:00Z");
    await markRetry(item.id, "network", 123);
    await markRetry(item.id, "network", 456);
    expect(await db.outbox.get(item.id)).toMatchObject({ state: "pending", attempts: 2, next_at: 456 });
  });
});

describe("backoff and status classes", () => {
  it("doubles from 5 s up to 30 min, with jitter of a quarter either way", () => {
    expect(backoffMs(1, 0.5)).toBe(5_000);
    expect(backoffMs(2, 0.5)).toBe(10_000);
    expect(backoffMs(5, 0.5)).toBe(80_000);
    expect(backoffMs(50, 0.5)).toBe(30 * 60_000);
    expect(backoffMs(1, 0)).toBe(3_750);
    expect(backoffMs(1, 1)).toBe(6_250);
  });

  it("classifies statuses", () => {
    expect([200, 201, 204].map(classify)).toEqual(["done", "done", "done"]);
    expect([500, 502, 503, 408, 429].map(classify)).toEqual(["retry", "retry", "retry", "retry", "retry"]);
    expect(classify(401)).toBe("auth");
    expect([400, 403, 404, 409, 413, 415, 422].map(classify)).toEqual(Array(7).fill("failed"));
  });
});
