// Runs before `npm run dev`: creates .dev.vars from the example on first run, then applies the
// D1 migrations to the local database so the API can serve at once.
import { copyFileSync, existsSync } from "node:fs";
import { execFileSync } from "node:child_process";

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example (local secrets; never commit it)");
}
execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" }, // no confirmation prompt
});
