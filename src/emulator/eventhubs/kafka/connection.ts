import type { Duplex } from 'node:stream';
import type { GuardedConnection } from '../../host/connection-guard.js';
import { KafkaDecodeError, KafkaReader, KafkaWriter } from './codec.js';
import type { KafkaContext, KafkaSession } from './context.js';
import { API, ERROR, SUPPORTED } from './protocol.js';
import type { KafkaHandler, KafkaRequest } from './request.js';
import { SaslExchange } from './sasl.js';

// One client connection: size-prefixed frames (int32 length, then the request), answered one at
// a time in order, as a broker does. A frame above limits.maxRequestBytes, or a request that does
// not parse, closes this connection only. Until SASL succeeds only ApiVersions and the SASL
// requests are served (with acceptAnyToken, everything is, without SASL).

/** More than any client keeps in flight (Java's default is 5) while it reads its answers. */
const MAX_UNSENT_ANSWERS = 16;

export function serveKafka(
  stream: Duplex,
  context: KafkaContext,
  handlers: ReadonlyMap<number, KafkaHandler>,
  clientHost: string,
  guarded: GuardedConnection | undefined,
  log: (line: string) => void,
): void {
  let closed = false;
  const closeListeners = new Set<() => void>();
  const session: KafkaSession = {
    grants: undefined,
    clientId: '',
    clientHost,
    onClose: (listener) => {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    isClosed: () => closed,
  };
  const sasl = new SaslExchange(context, session);
  const chunks: Buffer[] = [];
  let buffered = 0;
  let busy = false;
  // This connection's answers not yet handed to the kernel, and who waits for them to go.
  let unsentHere = 0;
  let unsentAnswers = 0;
  let whenSent: (() => void) | undefined;
  const send = (data: Buffer): void => {
    unsentHere += data.length;
    unsentAnswers++;
    context.unsent.write(stream, data, () => {
      unsentHere -= data.length;
      unsentAnswers--;
      if (unsentAnswers === 0) whenSent?.();
    });
  };

  let idle: ReturnType<typeof setTimeout> | undefined;
  const stillUsed = (): void => {
    clearTimeout(idle);
    // Busy with a request (a long poll) is not idle; waiting all that time for the client to read
    // its answers is: it would hold them (and its place under maxConnections) for ever.
    idle = setTimeout(() => (busy && !whenSent ? stillUsed() : close(`idle for ${context.limits.connectionsMaxIdleMs} ms`)), context.limits.connectionsMaxIdleMs);
    idle.unref?.();
  };

  const close = (reason?: string): void => {
    if (closed) return;
    closed = true;
    clearTimeout(idle);
    for (const listener of [...closeListeners]) listener();
    closeListeners.clear();
    if (reason) log(`eventhubs kafka: closing a connection from ${clientHost}: ${reason}`);
    stream.destroy();
  };

  const takeFrame = (): Buffer | undefined => {
    if (buffered < 4) return undefined;
    if (chunks[0]!.length < 4) chunks.splice(0, chunks.length, Buffer.concat(chunks));
    const size = chunks[0]!.readInt32BE(0);
    if (size < 8 || size > context.limits.maxRequestBytes) {
      close(`request size ${size} is outside 8–${context.limits.maxRequestBytes} bytes`);
      return undefined;
    }
    if (buffered < 4 + size) return undefined;
    const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const frame = all.subarray(4, 4 + size);
    // After a large frame the remainder is copied, so it does not keep the joined buffer alive;
    // after small ones it stays a view (copying it per frame would cost O(chunk) each time).
    const tail = all.subarray(4 + size);
    const rest = all.length > 1024 * 1024 ? Buffer.from(tail) : tail;
    chunks.length = 0;
    if (rest.length > 0) chunks.push(rest);
    buffered = rest.length;
    return frame;
  };

  const answer = (request: KafkaRequest, body: KafkaWriter, headerFlexible: boolean): void => {
    const payload = body.finish();
    const head = new KafkaWriter(16).int32(0).int32(request.correlationId).tags(headerFlexible).finish();
    head.writeInt32BE(head.length - 4 + payload.length, 0);
    send(Buffer.concat([head, payload]));
  };

  const handle = async (frame: Buffer): Promise<void> => {
    if (sasl.expectsRawToken()) {
      const reply = await sasl.rawToken(frame);
      if (reply === undefined) return close('SASL authentication failed');
      guarded?.pass();
      const out = Buffer.alloc(4 + reply.length);
      out.writeInt32BE(reply.length, 0);
      reply.copy(out, 4);
      send(out);
      return;
    }
    const header = new KafkaReader(frame);
    const apiKey = header.int16();
    const version = header.int16();
    const correlationId = header.int32();
    session.clientId = header.nullableString(false) ?? '';
    const range = SUPPORTED.get(apiKey);
    const flexible = range !== undefined && version >= range.flexible;
    const request: KafkaRequest = { apiKey, version, flexible, correlationId, body: header };
    if (apiKey === API.ApiVersions) {
      // Parse no body: any version, even one newer than ours, gets an answer (KIP-511).
      return answer(request, (handlers.get(apiKey)!(request, session, context) as KafkaWriter), false);
    }
    if (flexible) header.skipTaggedFields();
    if (!range || version < range.min || version > range.max) {
      // No schema to answer in; most responses open with an error code, so send just that.
      return answer(request, new KafkaWriter(2).int16(ERROR.UNSUPPORTED_VERSION), false);
    }
    if (apiKey === API.SaslHandshake || apiKey === API.SaslAuthenticate) {
      const reply = await sasl.handle(request);
      answer(request, reply.body, flexible);
      if (session.grants) guarded?.pass();
      if (reply.close) setImmediate(() => close('SASL authentication failed'));
      return;
    }
    if (!session.grants) return close(`${apiKey}/v${version} before SASL authentication`);
    guarded?.pass();
    const handler = handlers.get(apiKey)!;
    const body = await handler(request, session, context);
    if (body && !closed) answer(request, body, flexible);
  };

  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      for (let frame = takeFrame(); frame && !closed; frame = takeFrame()) {
        await handle(frame);
        // A client that sends without reading its answers must not grow our write buffer without
        // bound, in bytes or in answers (each small write costs far more than its bytes), nor many
        // such clients the endpoint's (unsent-responses.ts).
        const overBound =
          unsentHere > context.limits.maxPendingResponseBytes || unsentAnswers > MAX_UNSENT_ANSWERS || context.unsent.room() < 0;
        if (overBound && unsentAnswers > 0 && !closed) {
          let stopWaiting: (() => void) | undefined;
          await new Promise<void>((resolve) => {
            whenSent = resolve;
            stopWaiting = session.onClose(resolve);
            // The idle time now counts from here: a client that reads nothing for it is closed.
            stillUsed();
          });
          stopWaiting?.();
          whenSent = undefined;
        }
      }
    } catch (error) {
      if (error instanceof KafkaDecodeError || error instanceof RangeError) close(`malformed request: ${error.message}`);
      else close(`request failed: ${(error as Error).message}`);
    } finally {
      busy = false;
    }
    // Read on only while fewer than a request's worth of bytes wait, so a flood cannot pile up.
    if (!closed && buffered <= context.limits.maxRequestBytes + 4) stream.resume();
  };

  if (context.auth.acceptAnyToken) sasl.grantAll();
  stillUsed();
  stream.on('data', (chunk: Buffer) => {
    stillUsed();
    chunks.push(chunk);
    buffered += chunk.length;
    if (busy || buffered > context.limits.maxRequestBytes + 4) stream.pause();
    void pump();
  });
  stream.on('error', () => close());
  stream.on('close', () => close());
  stream.on('end', () => close());
}
