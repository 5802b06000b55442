import type { Arrival } from "./delivery/group-commit";
import type { Config } from "./env";

/** What middleware puts on the request context (`c.var`). */
export interface AuthContext {
  accountId: string;
  isAdmin: boolean;
  keyId: string | null;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    auth: AuthContext;
    /** Set on the accepting routes (delivery/group-commit.ts). */
    arrival: Arrival;
  };
}
