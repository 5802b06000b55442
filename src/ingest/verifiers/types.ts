/**
 * The verifier contract. Verifiers are pure: they see the raw bytes, the headers, the secrets in
 * rotation and an injected clock, and never touch storage. Their settings are domain/verification.ts.
 */
export {
  DEFAULT_TOLERANCE_SECONDS, MAX_TOLERANCE_SECONDS, VerificationConfig,
  type ConfigOf, type VerificationConfigInput, type VerificationType,
} from "../../domain/verification";
import type { VerificationConfig } from "../../domain/verification";

export interface VerifyInput {
  /** The exact raw bytes received. */
  body: Uint8Array;
  headers: Headers;
  /** All secrets in rotation; any one may match. */
  secrets: string[];
  config: VerificationConfig;
  /** Clock, injected so tests are exact. */
  nowMs: number;
}

export type VerifyFailureCode = "signature_missing" | "signature_invalid" | "timestamp_stale";

export type VerifyResult =
  | { ok: true; challenge?: Response }
  | { ok: false; code: VerifyFailureCode; message: string };

export const OK: VerifyResult = { ok: true };

export const fail = (code: VerifyFailureCode, message: string): VerifyResult => ({ ok: false, code, message });
