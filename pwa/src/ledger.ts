// What a worker reads while offline: their sites (from GET /api/me) and the ledger of
// equipment and material batches on those sites, cached in IndexedDB whenever the app
// is online, so a scan in a basement still shows the item and its actions. A scan
// online always asks the server (GET /api/scan/{code}), which knows more (open defect
// notes, fresh holder) and is the authority on what is allowed.

import { api, fetchMe, type Answer, type Me } from "./api";
import { cacheGet, cachePut } from "./db";
import { updateUser, type Session } from "./session";

// ---- codes (the server's api/domain/labels/qr.py rules, so typing forgives the same slips) ----

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 10;
const MAX_INPUT = 500;

/** The canonical code in a typed code or a scanned label URL, or null. */
export function codeFromScan(raw: string): string | null {
  if (raw.length > MAX_INPUT) return null;
  let text = raw.trim().replace(/^\/+/, "");
  if (text.includes("/")) {
    let path = text;
    try {
      path = new URL(text, "http://x/").pathname;
    } catch {
      return null;
    }
    const match = /(?:^|\/)s\/([^/]+)\/?$/.exec(path);
    if (!match) return null;
    try {
      text = decodeURIComponent(match[1]!);
    } catch {
      return null;
    }
  }
  const code = text
    .toUpperCase()
    .replace(/[-\s]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (code.length !== CODE_LENGTH || [...code].some((c) => !ALPHABET.includes(c))) return null;
  return code;
}

/** How a label prints a code: two groups of five. */
export function displayCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

// ---- shapes (API.md "Equipment and materials"; only what the screens use) --------

export type Equipment = Answer<"/api/equipment">["items"][number];
export type Batch = Answer<"/api/materials/batches">["items"][number];

type Scanned = Answer<"/api/scan/{code}">;
type EquipmentScan = Extract<Scanned, { kind: "equipment" }>;
/** GET /api/scan/{code}, or the same built offline from the cached ledger, which knows
 * no defects. */
export type ScanResult =
  | (Omit<EquipmentScan, "defects"> & { defects?: EquipmentScan["defects"] })
  | Extract<Scanned, { kind: "material_batch" }>;

interface Ledger {
  equipment: Equipment[];
  batches: Batch[];
}

const PAGE = 500;
// A worker's sites hold hundreds of items, not tens of thousands; stop somewhere sane.
const MAX_ITEMS = 5000;

/** A page of a list endpoint (every list answers the same page shape). */
type Page<T> = Omit<Answer<"/api/equipment">, "items"> & { items: T[] };

async function all<T>(path: string, token: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; offset < MAX_ITEMS; offset += PAGE) {
    const page = await api<Page<T>>(`${path}?limit=${PAGE}&offset=${offset}`, { token });
    out.push(...page.items);
    if (page.items.length < PAGE || out.length >= page.total) break;
  }
  return out;
}

const ledgerKey = (userId: string) => `ledger:${userId}`;
const meKey = (userId: string) => `me:${userId}`;

/** Fetch and cache the ledger of the worker's sites (the API scopes the lists). */
export async function refreshLedger(session: Session): Promise<Ledger> {
  const [equipment, batches] = await Promise.all([
    all<Equipment>("/api/equipment", session.token),
    all<Batch>("/api/materials/batches", session.token),
  ]);
  const ledger = { equipment, batches };
  await cachePut(ledgerKey(session.user.id), ledger);
  return ledger;
}

export async function cachedLedger(userId: string): Promise<{ ledger: Ledger; savedAt: number } | null> {
  const entry = await cacheGet<Ledger>(ledgerKey(userId));
  return entry ? { ledger: entry.value, savedAt: entry.saved_at } : null;
}

/** A scan answered from the cache: the same shape as the server's, with the actions
 * the server would offer a worker (it checks them again when the write arrives). */
export async function scanOffline(userId: string, role: string, code: string): Promise<ScanResult | null> {
  const cached = await cachedLedger(userId);
  if (!cached) return null;
  const equipment = cached.ledger.equipment.find((item) => item.code === code);
  if (equipment) {
    return { kind: "equipment", code, item: equipment, flags: equipmentFlags(equipment), actions: equipmentActions(role, equipment) };
  }
  const batch = cached.ledger.batches.find((item) => item.code === code);
  if (batch) return { kind: "material_batch", code, item: batch, flags: [], actions: ["receive"] };
  return null;
}

function equipmentFlags(item: Equipment): string[] {
  const flags: string[] = [];
  if (!item.is_active) flags.push("retired");
  if (item.open_defects) flags.push("open_defects");
  if (item.certificate.state === "expired" || item.certificate.state === "expiring") flags.push(`certificate_${item.certificate.state}`);
  if (item.next_maintenance?.overdue) flags.push("maintenance_overdue");
  else if (item.next_maintenance && item.next_maintenance.days_left <= 7) flags.push("maintenance_due");
  return flags;
}

function equipmentActions(role: string, item: Equipment): string[] {
  if (!item.is_active) return [];
  const actions: string[] = [];
  if (item.holder === null) {
    if (!item.open_defects && item.certificate.state !== "expired") actions.push("check_out");
  } else {
    actions.push("check_in");
  }
  actions.push("defect");
  // Equipment "inspection"/"maintenance" events belong to staff roles (the server's
  // ledger.allowed_actions); anyone may start an inspection record with photos.
  if (role === "admin" || role === "manager" || role === "safety_officer") actions.push("inspection");
  return actions;
}

/** Remember an item the server just showed, so a second scan offline shows it as fresh. */
export async function rememberScan(userId: string, result: ScanResult): Promise<void> {
  const cached = await cachedLedger(userId);
  const ledger: Ledger = cached?.ledger ?? { equipment: [], batches: [] };
  if (result.kind === "equipment") {
    ledger.equipment = [result.item, ...ledger.equipment.filter((item) => item.id !== result.item.id)];
  } else {
    ledger.batches = [result.item, ...ledger.batches.filter((item) => item.id !== result.item.id)];
  }
  await cachePut(ledgerKey(userId), ledger, cached?.savedAt ?? Date.now());
}

// ---- the worker's sites ------------------------------------------------------------

export type SiteBrief = Me["sites"][number];

export async function cacheMe(me: Me): Promise<void> {
  await cachePut(meKey(me.id), me);
}

/** The sites the signed-in person works on: from the session's user (kept fresh by the
 * home screen) or the cached /api/me. */
export async function mySites(session: Session): Promise<SiteBrief[]> {
  if (session.user.sites && session.user.sites.length > 0) return session.user.sites;
  const entry = await cacheGet<Me>(meKey(session.user.id));
  if (entry?.value.sites?.length) return entry.value.sites;
  // Straight after signing in, before the home screen's refresh has landed.
  try {
    const me = await fetchMe(session.token);
    updateUser(me);
    await cacheMe(me);
    return me.sites ?? [];
  } catch {
    return [];
  }
}
