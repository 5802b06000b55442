import type { ProfileName } from "../domain/profiles";

/** Per-account settings (migration 0005): the default profile and the schema-validation switches. */
export interface AccountSettings {
  defaultProfile: ProfileName | null;
  /** false turns publish-time schema validation off for every topic of the account. */
  validateSchemas: boolean;
  /** true validates the built-in topics against their inferred schemas (off by default). */
  validateBuiltInTopics: boolean;
}

interface SettingsRow {
  default_profile: ProfileName | null;
  validate_schemas: number;
  validate_built_in: number;
}

const toSettings = (r: SettingsRow): AccountSettings => ({
  defaultProfile: r.default_profile,
  validateSchemas: r.validate_schemas === 1,
  validateBuiltInTopics: r.validate_built_in === 1,
});

export async function getAccountSettings(db: D1Database, accountId: string): Promise<AccountSettings | null> {
  const row = await db
    .prepare("SELECT default_profile, validate_schemas, validate_built_in FROM accounts WHERE id = ? AND deleted_at IS NULL")
    .bind(accountId)
    .first<SettingsRow>();
  return row ? toSettings(row) : null;
}

/** Changes only the fields given; null for null (the default profile falls back to standard). */
export async function updateAccountSettings(db: D1Database, accountId: string, patch: Partial<AccountSettings>): Promise<AccountSettings | null> {
  const row = await db
    .prepare(
      `UPDATE accounts SET
         default_profile = CASE WHEN ?2 THEN ?3 ELSE default_profile END,
         validate_schemas = COALESCE(?4, validate_schemas),
         validate_built_in = COALESCE(?5, validate_built_in)
       WHERE id = ?1 AND deleted_at IS NULL
       RETURNING default_profile, validate_schemas, validate_built_in`,
    )
    .bind(
      accountId,
      patch.defaultProfile !== undefined ? 1 : 0,
      patch.defaultProfile ?? null,
      patch.validateSchemas === undefined ? null : patch.validateSchemas ? 1 : 0,
      patch.validateBuiltInTopics === undefined ? null : patch.validateBuiltInTopics ? 1 : 0,
    )
    .first<SettingsRow>();
  return row ? toSettings(row) : null;
}
