// Test-only bindings added by vitest.config.ts, and what globalSetup provides.
import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      RECEIVER_URL: string;
    }
  }
}

declare module "vitest" {
  interface ProvidedContext {
    receiverPort: number;
  }
}
