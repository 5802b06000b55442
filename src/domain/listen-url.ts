/**
 * A `hookrelay listen` session is a temporary webhook whose URL names the session instead of a
 * host: `hookrelay-listen://<sessionId>`. Only the listen route creates such webhooks (the URL
 * rules in destination.ts refuse the scheme on POST/PUT /api/webhooks), and at send time the
 * transport (delivery/transport.ts) hands these requests to the session's Durable Object.
 */
export const LISTEN_SCHEME = "hookrelay-listen:";

export function listenUrl(sessionId: string): string {
  return `${LISTEN_SCHEME}//${sessionId}`;
}

/** The session id of a listen URL, or null for any other URL. */
export function listenSessionOf(url: string): string | null {
  if (!url.startsWith(`${LISTEN_SCHEME}//`)) return null;
  const id = url.slice(LISTEN_SCHEME.length + 2);
  return /^[A-Za-z0-9_-]{1,100}$/.test(id) ? id : null;
}
