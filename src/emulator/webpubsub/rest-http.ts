import type { IncomingMessage, ServerResponse } from 'node:http';
import { RealtimeError } from '../../core/errors.js';
import { WEBPUBSUB_MAX_MESSAGE_BYTES } from '../../core/webpubsub/limits.js';
import { BodyReadError, BodyStalledError, BodyTooLargeError, readBody } from '../../node/http-body.js';

// HTTP plumbing for the data-plane REST API: bounded bodies and the service's ErrorDetail shape
// (docs/protocol/webpubsub.md §3: `{code, message, ...}` plus an `x-ms-error-code` header).

/** A client frame is at most 1 MB (docs/protocol/webpubsub.md §3 "Limits"); a REST body gets the same bound. */
export const MAX_BODY_BYTES = WEBPUBSUB_MAX_MESSAGE_BYTES;

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string): RestError {
  return new RestError(400, 'InvalidArgument', message);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ code, message, target: null, details: null, inner: null });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-error-code': code, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendStatus(res: ServerResponse, status: number, json?: unknown): void {
  if (json === undefined) {
    res.writeHead(status, { 'content-length': 0 });
    res.end();
    return;
  }
  const body = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * A REST body within the 1 MB bound (src/node/http-body.ts), given up (408) when it makes no
 * progress for `idleTimeoutMs`; refusals map to the service's error codes in sendFailure.
 */
export async function readRestBody(req: IncomingMessage, idleTimeoutMs: number): Promise<Uint8Array> {
  return (await readBody(req, { maxBytes: MAX_BODY_BYTES, idleTimeoutMs })).bytes;
}

const BODY_ERROR_CODES: Record<BodyReadError['status'], string> = {
  400: 'InvalidArgument',
  408: 'RequestTimeout',
  413: 'PayloadTooLarge',
  503: 'ServiceUnavailable',
};

/** Maps any thrown error to the REST answer; unknown errors are 500 and logged, never a crash. */
export function sendFailure(res: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (error instanceof RestError) return sendError(res, error.status, error.code, error.message);
  if (error instanceof BodyTooLargeError) return sendError(res, 413, BODY_ERROR_CODES[413], `Request body exceeds ${error.limit} bytes`);
  // A stalled body will not be drained: the answer closes the connection.
  if (error instanceof BodyStalledError) return sendError(res, 408, BODY_ERROR_CODES[408], error.message, { connection: 'close' });
  if (error instanceof BodyReadError) return sendError(res, error.status, BODY_ERROR_CODES[error.status], error.message);
  if (error instanceof RealtimeError) {
    const status = error.status ?? (error.code === 'protocol' ? 400 : 500);
    const code = status === 401 ? 'Unauthorized' : status === 400 ? 'InvalidArgument' : 'InternalServerError';
    return sendError(res, status, code, error.message);
  }
  log(`webpubsub: REST handler failed: ${(error as Error)?.message ?? String(error)}`);
  sendError(res, 500, 'InternalServerError', 'Internal server error');
}
