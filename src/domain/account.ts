import { z } from "@hono/zod-openapi";

export const AccountCreate = z.object({
  name: z.string().trim().min(1).max(200).openapi({ example: "Acme CRM" }),
}).strict();

export const KeyCreate = z.object({
  name: z.string().trim().min(1).max(200).optional().openapi({ example: "production publisher" }),
}).strict();

export const AccountOut = z
  .object({ id: z.string().openapi({ example: "acc_0mh2k3x9aXbYcZ12" }), name: z.string(), createdAt: z.string() })
  .openapi("Account");

export const ApiKeyOut = z
  .object({
    id: z.string().openapi({ example: "key_0mh2k3x9aXbYcZ12" }),
    accountId: z.string(),
    name: z.string().nullable(),
    hint: z.string().openapi({ description: "The key's first characters, to recognise it", example: "hr_Ab3d…" }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

export const ApiKeyWithSecret = ApiKeyOut.extend({
  key: z.string().openapi({ description: "The API key itself. Shown once; only its hash is stored." }),
}).openapi("ApiKeyWithSecret");

export const AccountCreated = z
  .object({ account: AccountOut, apiKey: ApiKeyWithSecret })
  .openapi("AccountCreated");
