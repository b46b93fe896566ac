// One error class with a stable code union (docs/architecture.md "Rules of the core"). Subclasses only
// where a protocol adds data; callers branch on `code`, not on `instanceof` chains.
export type RealtimeErrorCode =
  | 'invalid_token' // malformed token string
  | 'unauthorized' // bad signature, unknown key, missing token
  | 'expired_token'
  | 'forbidden' // valid token, wrong audience or claim
  | 'invalid_connection_string'
  | 'not_found'
  | 'timeout'
  | 'protocol' // malformed or unknown frame
  | 'too_large'
  | 'rejected'
  | 'closed'
  | 'aborted'
  | 'unavailable'
  | 'service'; // any other status from a service

export interface RealtimeErrorOptions {
  cause?: unknown;
  status?: number;
  /** Service-specific error code, e.g. Web PubSub's `x-ms-error-code`. */
  serviceCode?: string;
}

export class RealtimeError extends Error {
  override readonly name = 'RealtimeError';
  readonly code: RealtimeErrorCode;
  readonly status?: number;
  readonly serviceCode?: string;

  constructor(code: RealtimeErrorCode, message: string, options: RealtimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.serviceCode !== undefined) this.serviceCode = options.serviceCode;
  }
}

export function isRealtimeError(value: unknown, code?: RealtimeErrorCode): value is RealtimeError {
  return value instanceof RealtimeError && (code === undefined || value.code === code);
}

/** "expected X, got Y" without echoing secrets: only the type and length of the value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : `a string of ${value.length} characters`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Redacts `sig=` values and SAS/JWT tokens so URLs and headers are safe to print. */
export function redactSecrets(text: string): string {
  return text
    .replace(/([?&;\s]|^)(sig|sb-hc-token|access_token|awps_reconnection_token|SharedAccessKey|AccessKey|SharedAccessSignature)=([^&;\s]*)/gi, '$1$2=REDACTED')
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, 'REDACTED.JWT');
}
