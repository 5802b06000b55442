import type { Arrival } from "./accepting/group-commit";
import type { Config } from "./env";
import type { PortalScope } from "./signing/portal-token";

/** What middleware puts on the request context (`c.var`). */
export interface AuthContext {
  accountId: string;
  isAdmin: boolean;
  keyId: string | null;
  /** Set when the caller presented a portal token: everything it reaches is limited to this scope. */
  portal?: PortalScope;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    auth: AuthContext;
    /** Which requireAuth check has run for this request (middleware/auth.ts). */
    authChecked?: "admin" | "account";
    /** Set on the accepting routes (accepting/group-commit.ts). */
    arrival: Arrival;
  };
}
