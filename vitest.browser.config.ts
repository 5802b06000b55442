import { defineConfig } from "vitest/config";

/**
 * Browser tests: Node-side files that drive Debian's Chromium (playwright-core) against a real
 * `wrangler dev` and a loopback receiver, both started by the global setup. Not in the workerd pool.
 * BROWSER_TEST_PORT picks the dev server's port (default 8788, CI's).
 */
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    globalSetup: ["./test/browser/support/global-setup.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
