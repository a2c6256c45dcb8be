// The few browser globals the app's modules touch at import time, for vitest's plain
// Node environment: IndexedDB (fake-indexeddb, a complete in-memory implementation),
// localStorage, and just enough of window/document/navigator.
import "fake-indexeddb/auto";

class MemoryStorage {
  private data = new Map<string, string>();
  get length(): number {
    return this.data.size;
  }
  clear(): void {
    this.data.clear();
  }
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.data.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
  setItem(key: string, value: string): void {
    this.data.set(key, String(value));
  }
}

const events = new EventTarget();
const g = globalThis as Record<string, unknown>;
g.localStorage = new MemoryStorage();
g.window = Object.assign(globalThis, {
  addEventListener: events.addEventListener.bind(events),
  removeEventListener: events.removeEventListener.bind(events),
  dispatchEvent: events.dispatchEvent.bind(events),
});
g.document = {
  documentElement: { lang: "en" },
  visibilityState: "visible",
  addEventListener: () => undefined,
};
Object.defineProperty(globalThis, "navigator", {
  value: { onLine: true, languages: ["en-US"], language: "en-US" },
  configurable: true,
  writable: true,
});
