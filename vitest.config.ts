import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ADMIN_API_KEY: "test-admin-key-0123456789",
          ENCRYPTION_KEY: "dGVzdC1vbmx5LTMyLWJ5dGUta2V5LTAwMDAwMDAwMDA=",
          ALLOW_PRIVATE_DESTINATIONS: "true",
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
          RECEIVER_URL: `http://127.0.0.1:${inject<number>("receiverPort")}`,
        },
      },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    setupFiles: ["./test/apply-migrations.ts"],
    include: ["test/**/*.test.ts"],
    // Browser tests run in Node against wrangler dev (vitest.browser.config.ts), not in workerd.
    exclude: ["test/browser/**"],
    testTimeout: 20_000,
  },
});
