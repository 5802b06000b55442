import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** One-off storage measurements in workerd (not part of npm test): npx vitest run -c bench/measure/vitest.config.ts */
export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          ADMIN_API_KEY: "test-admin-key-0123456789",
          ENCRYPTION_KEY: "dGVzdC1vbmx5LTMyLWJ5dGUta2V5LTAwMDAwMDAwMDA=",
          TEST_MIGRATIONS: await readD1Migrations("./migrations"),
        },
      },
    })),
  ],
  test: { include: ["bench/measure/*.test.ts"], testTimeout: 300_000 },
});
