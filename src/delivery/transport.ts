import { listenSessionOf } from "../domain/listen-url";

/**
 * How a delivery attempt reaches its URL: global fetch for an ordinary webhook; for a
 * `hookrelay listen` session (hookrelay-listen://<sessionId>), a fetch-compatible function that
 * hands the signed request to the session's Durable Object, which pushes it over the CLI's
 * WebSocket and answers with what the local server answered. Everything else about the attempt
 * (signing, timeout, retries, the call log) is the webhook's usual path.
 */
const PASSED_BACK_HEADERS = ["retry-after", "location", "content-type"];

export function transportFor(env: Env, url: string): typeof fetch {
  const sessionId = listenSessionOf(url);
  if (sessionId === null) return fetch;
  return (async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers: [string, string][] = [...new Headers(init?.headers).entries()];
    const body = typeof init?.body === "string" ? init.body : init?.body == null ? "" : await new Response(init.body).text();
    const signal = init?.signal ?? undefined;
    if (signal?.aborted) throw signal.reason;
    const forwarded = env.LISTEN_SESSION.getByName(sessionId).forward({ headers, body });
    // The attempt's own timer aborts `signal`; the session object gives up on its own as well.
    const aborted = new Promise<never>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason), { once: true }));
    const result = await Promise.race([forwarded, aborted]);
    if (!result.ok) throw new Error(result.error);
    const out = new Headers();
    for (const name of PASSED_BACK_HEADERS) if (result.headers[name]) out.set(name, result.headers[name]);
    const nullBody = result.status === 204 || result.status === 205 || result.status === 304;
    return new Response(nullBody ? null : result.body, { status: result.status, headers: out });
  }) as typeof fetch;
}
