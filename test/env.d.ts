// Test-only bindings added by vitest.config.ts.
declare namespace Cloudflare {
  interface Env {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    RECEIVER_URL: string;
  }
}
declare module "vitest" {
  interface ProvidedContext {
    receiverPort: number;
  }
}
