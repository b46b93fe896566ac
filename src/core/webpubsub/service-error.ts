import { RealtimeError, redactSecrets, type RealtimeErrorCode } from '../errors.js';

/** A RealtimeError whose message names the operation and never carries a secret. */
export function webPubSubError(code: RealtimeErrorCode, message: string, cause?: unknown, status?: number, serviceCode?: string | null): RealtimeError {
  return new RealtimeError(code, redactSecrets(`Web PubSub ${message}`), { cause, status, serviceCode: serviceCode ?? undefined });
}
