// Unit tests (vitest) for the parts with logic and no screen: the outbox and its
// replay (IndexedDB from fake-indexeddb), the compressor's size and quality choices.
// Screens and real browsers are covered by the Playwright tests in tests/e2e/.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/tests/setup.ts"],
    restoreMocks: true,
  },
});
