import type { TestProject } from "vitest/node";
import { startDevServer } from "../scripts/dev-server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    adminKey: string;
  }
}

let stop: (() => Promise<void>) | undefined;

export async function setup(project: TestProject) {
  const server = await startDevServer({
    port: Number(process.env.HOOKRELAY_TEST_PORT ?? 8789),
    inspectorPort: Number(process.env.HOOKRELAY_TEST_INSPECTOR_PORT ?? 9389),
  });
  stop = server.stop;
  project.provide("baseUrl", server.url);
  project.provide("adminKey", server.adminKey);
}

export async function teardown() {
  await stop?.();
}
