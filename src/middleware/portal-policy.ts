/**
 * Which routes a portal token may reach. Deny by default: a route that is not listed here answers
 * 403 to a portal token, so a new admin or account-management route is never opened to portals by
 * accident. Listed routes still check the scope object by object (src/api/scope.ts).
 */
const WEBHOOK_ID = "wh_[A-Za-z0-9_-]+";

const READ_ROUTES: RegExp[] = [
  /^\/api\/whoami\/?$/,
  /^\/api\/webhooks\/?$/,
  /^\/api\/webhooks\/topics$/,
  /^\/api\/webhooks\/calls$/,
  new RegExp(`^/api/webhooks/${WEBHOOK_ID}$`),
  new RegExp(`^/api/webhooks/${WEBHOOK_ID}/(stats|stats/timeseries|queue)$`),
  /^\/api\/events\/?$/,
  /^\/api\/events\/[^/]+$/,
];

/** Reading the signing secret is not "read-only" in the sense a customer viewer means it. */
const SECRET_ROUTE = new RegExp(`^/api/webhooks/${WEBHOOK_ID}/secret$`);

const WRITE_ROUTES: [method: string, path: RegExp][] = [
  ["POST", /^\/api\/webhooks\/?$/],
  ["PUT", new RegExp(`^/api/webhooks/${WEBHOOK_ID}$`)],
  ["DELETE", new RegExp(`^/api/webhooks/${WEBHOOK_ID}$`)],
  ["POST", new RegExp(`^/api/webhooks/${WEBHOOK_ID}/(restore|rotate-secret|test|recover)$`)],
  ["DELETE", new RegExp(`^/api/webhooks/${WEBHOOK_ID}/queue$`)],
  ["POST", /^\/api\/events\/[^/]+\/replay$/],
];

export type PortalAccess = "allowed" | "read_only" | "not_for_portals";

export function portalAccess(method: string, path: string, readOnly: boolean): PortalAccess {
  const m = method.toUpperCase();
  if ((m === "GET" || m === "HEAD") && READ_ROUTES.some((r) => r.test(path))) return "allowed";
  const isSecret = (m === "GET" || m === "HEAD") && SECRET_ROUTE.test(path);
  const isWrite = WRITE_ROUTES.some(([wm, r]) => wm === m && r.test(path));
  if (!isSecret && !isWrite) return "not_for_portals";
  return readOnly ? "read_only" : "allowed";
}
