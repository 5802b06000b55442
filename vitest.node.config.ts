import { defineConfig } from "vitest/config";

/**
 * The Node-side tests (`npm run test:cli`): the typed client and the `hookrelay` CLI against a real
 * `wrangler dev` that test-node/global-setup.ts starts. Not in the workerd pool: these spawn
 * processes, open sockets and talk to the deployment the way a user's machine does.
 * Ports: HOOKRELAY_TEST_PORT (default 8789) and HOOKRELAY_TEST_INSPECTOR_PORT (default 9389).
 */
export default defineConfig({
  test: {
    include: ["test-node/**/*.test.ts"],
    globalSetup: ["./test-node/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One deployment, shared: files run one after another so their timing stays predictable on a
    // busy machine; each test makes its own account.
    fileParallelism: false,
  },
});
