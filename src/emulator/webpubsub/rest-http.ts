import type { IncomingMessage, ServerResponse } from 'node:http';
import { RealtimeError } from '../../core/errors.js';
import { WEBPUBSUB_MAX_MESSAGE_BYTES } from '../../core/webpubsub/limits.js';

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

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify({ code, message, target: null, details: null, inner: null });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ms-error-code': code, 'content-length': Buffer.byteLength(body) });
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

export function readBody(req: IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new RestError(413, 'PayloadTooLarge', `Request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new RestError(400, 'InvalidArgument', 'The request body was cut short'));
    });
  });
}

/** Maps any thrown error to the REST answer; unknown errors are 500 and logged, never a crash. */
export function sendFailure(res: ServerResponse, error: unknown, log: (line: string) => void): void {
  if (error instanceof RestError) return sendError(res, error.status, error.code, error.message);
  if (error instanceof RealtimeError) {
    const status = error.status ?? (error.code === 'protocol' ? 400 : 500);
    const code = status === 401 ? 'Unauthorized' : status === 400 ? 'InvalidArgument' : 'InternalServerError';
    return sendError(res, status, code, error.message);
  }
  log(`webpubsub: REST handler failed: ${(error as Error)?.message ?? String(error)}`);
  sendError(res, 500, 'InternalServerError', 'Internal server error');
}
