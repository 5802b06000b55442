import { createRoute, z } from "@hono/zod-openapi";
import { enqueueFanout } from "../traffic/fanout-queue";
import { deleteDeadLetter, getDeadLetter, listDeadLetters } from "../store/dead-letters";
import { isFanoutMessage } from "../delivery/messages";
import { apiKeySecurity, errorResponses, jsonResponse, pageOf } from "./route-docs";
import { ListQuery } from "../domain/query";
import { isoTime } from "../lib/time";
import { ApiError, notFound } from "../domain/errors";
import { createApp } from "./create-app";
import { requireAuth } from "../middleware/auth";

/** The dead-letter view (admin, /api/dead-letters): queue messages that exhausted their retries, and replaying them. */
const security = apiKeySecurity;

const DeadLetterOut = z
  .object({ id: z.string(), queue: z.string(), body: z.unknown(), attempts: z.number().int(), createdAt: z.string() })
  .openapi("DeadLetter");

export const deadLetters = createApp();
deadLetters.use("*", requireAuth({ adminOnly: true }));

deadLetters.openapi(
  createRoute({
    method: "get", path: "/", tags: ["Operations"], security, summary: "Queue messages that exhausted their retries (admin)",
    request: { query: ListQuery },
    responses: { 200: jsonResponse(pageOf(DeadLetterOut, "DeadLetterPage"), "Newest first"), ...errorResponses },
  }),
  async (c) => {
    const page = await listDeadLetters(c.env.DB, c.req.valid("query"));
    return c.json({ data: page.data.map((d) => ({ ...d, createdAt: isoTime(d.createdAt)! })), nextCursor: page.nextCursor }, 200);
  },
);

deadLetters.openapi(
  createRoute({
    method: "post", path: "/{id}/redrive", tags: ["Operations"], security, summary: "Send a dead letter back to the delivery queue (admin)",
    request: { params: z.object({ id: z.string().max(100).openapi({ param: { name: "id", in: "path" } }) }) },
    responses: { 202: jsonResponse(z.object({ id: z.string(), redriven: z.boolean() }), "Re-queued"), ...errorResponses },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const letter = await getDeadLetter(c.env.DB, id);
    if (!letter) throw notFound("Dead letter", id);
    if (!isFanoutMessage(letter.body)) throw new ApiError("validation_failed", `Dead letter ${id} is not a delivery message and cannot be re-driven`);
    // Queue first: if the send fails the letter stays; a re-driven duplicate is deduped by the DOs.
    await enqueueFanout(c.env, [letter.body]);
    await deleteDeadLetter(c.env.DB, id);
    return c.json({ id, redriven: true }, 202);
  },
);
