import { api, ApiFailure } from "./api";
import { h, replace } from "./dom";
import { Router } from "./router";
import { clearSession, loadSession, mode, portalClaims, saveSession, takePortalToken } from "./session";
import { deadLettersView } from "./views/dead-letters";
import { eventView } from "./views/event";
import { signInView } from "./views/sign-in";
import { sourcesView } from "./views/sources";
import { topicsView } from "./views/topics";
import { webhookDetailView } from "./views/webhook-detail";
import { webhookFormView } from "./views/webhook-form";
import { webhooksView } from "./views/webhooks";

/** Entry for both /console and /portal: the same views, the portal with fewer of them. */
const app = document.getElementById("app")!;

function shell(): HTMLElement {
  const s = loadSession()!;
  const links: [string, string][] = [["#/webhooks", "Webhooks"]];
  if (mode() === "console") {
    links.push(["#/topics", "Topics"], ["#/sources", "Sources"]);
    if (s.isAdmin) links.push(["#/dead-letters", "Dead letters"]);
  }
  const main = h("main", { id: "main", tabindex: "-1" });
  const signOut = h("button", { type: "button", class: "secondary" }, "Sign out");
  signOut.addEventListener("click", () => {
    // A reload drops every poll and listener of the signed-in views along with the key.
    clearSession();
    history.replaceState(null, "", location.pathname);
    location.reload();
  });
  const scope = s.channels?.length ? ` · channel ${s.channels.join(", ")}` : "";
  const who = mode() === "portal" ? `Portal${scope}${s.readOnly ? " (read-only)" : ""}` : `${s.isAdmin ? "Admin" : "Account key"} · ${s.accountId}`;
  replace(
    app,
    h("a", { href: "#main", class: "skip" }, "Skip to content"),
    h("header", {},
      h("span", { class: "brand" }, mode() === "portal" ? "Webhook portal" : "hookrelay"),
      h("nav", { "aria-label": "Main" }, h("ul", {}, links.map(([href, text]) => h("li", {}, h("a", { href }, text))))),
      h("span", { class: "who" }, who),
      mode() === "console" ? signOut : null,
    ),
    main,
  );
  return main;
}

function startApp(): void {
  const main = shell();
  const router = new Router(main, "#/webhooks")
    .add("/webhooks", webhooksView)
    .add("/webhooks/new", webhookFormView)
    .add("/webhooks/:id/edit", webhookFormView)
    .add("/webhooks/:id", webhookDetailView)
    .add("/events/:id", eventView);
  if (mode() === "console") router.add("/topics", topicsView).add("/sources", sourcesView).add("/dead-letters", deadLettersView);
  router.start();
}

async function startPortal(): Promise<void> {
  const token = takePortalToken() ?? loadSession()?.credential ?? null;
  const claims = token ? portalClaims(token) : null;
  const refuse = (message: string) => replace(app, h("main", { id: "main" }, h("h1", { tabindex: "-1" }, "This link cannot be used"), h("p", { role: "alert" }, message)));
  if (!token || !claims) return refuse("Open the portal from the link your provider gave you.");
  let who;
  try {
    // The server decides: an expired, forged or revoked token is refused here.
    who = await api<{ accountId: string; portal: { channels: string[] | null; readOnly: boolean } | null }>("GET", "/api/whoami", undefined, token);
  } catch (e) {
    clearSession();
    return refuse(e instanceof ApiFailure ? `${e.message}.` : "The portal could not be reached.");
  }
  saveSession({ credential: token, accountId: who.accountId, isAdmin: false, readOnly: who.portal?.readOnly ?? claims.readOnly, channels: who.portal?.channels ?? null });
  startApp();
}

function start(): void {
  if (mode() === "portal") {
    void startPortal();
    return;
  }
  if (loadSession()) startApp();
  else signInView(app, startApp);
}

// A new portal link opened in the same tab (only the fragment differs): start over with its token.
window.addEventListener("hashchange", () => {
  if (mode() === "portal" && /token=hrp_/.test(location.hash)) location.reload();
});

start();
