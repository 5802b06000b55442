import { api, ApiFailure, type Page } from "../api";
import { field, h, replace } from "../dom";
import { saveSession } from "../session";

/**
 * Console sign-in with an API key. The key is tried against the API, then kept in sessionStorage.
 * The admin key also lists accounts, so it gets an account picker (the `default` account first).
 */
export function signInView(root: HTMLElement, onSignedIn: () => void): void {
  const key = h("input", { type: "password", name: "apiKey", autocomplete: "off", required: true, spellcheck: "false" });
  const keyField = field("API key", key, "An account key (hr_…) or the admin key from .dev.vars.");
  const status = h("p", { role: "status", class: "muted" });
  const form = h("form", { class: "card narrow", novalidate: true }, h("h1", { tabindex: "-1" }, "Sign in to hookrelay"), keyField.row, h("button", { type: "submit" }, "Sign in"), status);

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    keyField.error.textContent = "";
    const credential = key.value.trim();
    if (!credential) {
      keyField.error.textContent = "Enter an API key.";
      key.focus();
      return;
    }
    status.textContent = "Checking…";
    let who: { accountId: string; kind: string };
    try {
      who = await api<{ accountId: string; kind: string }>("GET", "/api/whoami", undefined, credential);
    } catch (e) {
      status.textContent = "";
      keyField.error.textContent = e instanceof ApiFailure && e.status === 401 ? "That key is not valid." : `Sign-in failed: ${(e as Error).message}`;
      key.focus();
      return;
    }
    if (who.kind !== "admin") {
      saveSession({ credential, accountId: who.accountId, isAdmin: false, readOnly: false });
      onSignedIn();
      return;
    }
    const accounts = (await api<Page<{ id: string; name: string }>>("GET", "/api/accounts?limit=100", undefined, credential)).data;
    pickAccount(root, credential, accounts, onSignedIn);
  });
  replace(root, h("main", { id: "main" }, form));
  key.focus();
}

function pickAccount(root: HTMLElement, credential: string, accounts: { id: string; name: string }[], onSignedIn: () => void): void {
  const select = h("select", { name: "account" }, h("option", { value: "default" }, "default (built-in)"), accounts.map((a) => h("option", { value: a.id }, `${a.name} (${a.id})`)));
  const form = h("form", { class: "card narrow" }, h("h1", { tabindex: "-1" }, "Choose an account"), field("Account", select, "The admin key acts on one account at a time.").row, h("button", { type: "submit" }, "Continue"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    saveSession({ credential, accountId: select.value, isAdmin: true, readOnly: false });
    onSignedIn();
  });
  replace(root, h("main", { id: "main" }, form));
  select.focus();
}
