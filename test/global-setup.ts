import type { TestProject } from "vitest/node";
import { startReceiver } from "./support/receiver-server";

/** One loopback HTTP receiver for the whole run; tests address it by path (see receiver-server). */
export default async function setup(project: TestProject) {
  const receiver = await startReceiver();
  project.provide("receiverPort", receiver.port);
  return () => receiver.close();
}
