// A stable id for this phone's copy of the app: sent as X-Device-Id on every request
// (the audit trail records it) and as `device_id` in punches, where the server binds a
// worker's punches to the devices they use. Lost only if the browser's storage is
// cleared, in which case the next punch is simply from a "new device".

const STORAGE_KEY = "sitecheck.device";
let cached: string | null = null;

export function deviceId(): string {
  if (cached) return cached;
  try {
    cached = localStorage.getItem(STORAGE_KEY);
  } catch {
    cached = null;
  }
  if (!cached) {
    cached = `pwa-${randomHex(16)}`;
    try {
      localStorage.setItem(STORAGE_KEY, cached);
    } catch {
      // Private mode: an id for this session only.
    }
  }
  return cached;
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}
