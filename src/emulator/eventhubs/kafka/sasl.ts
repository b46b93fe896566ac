import { ConnectionGrants } from '../cbs.js';
import { KafkaWriter } from './codec.js';
import { parsePlain, plainLogin } from './auth.js';
import type { KafkaContext, KafkaSession } from './context.js';
import { API, ERROR } from './protocol.js';
import type { KafkaRequest } from './request.js';

// SaslHandshake + SaslAuthenticate (KIP-152), mechanism PLAIN only (the service also takes
// OAUTHBEARER, which needs Entra ID). After a v0 handshake the client sends the PLAIN token as a
// bare size-prefixed frame instead of a SaslAuthenticate request, and gets a bare empty frame back.

type State = 'start' | 'authenticate' | 'raw' | 'done';

export class SaslExchange {
  private state: State = 'start';

  constructor(private readonly context: KafkaContext, private readonly session: KafkaSession) {}

  grantAll(): void {
    const grants = new ConnectionGrants();
    grants.add({ path: '', claims: new Set(['Manage', 'Send', 'Listen']), expiresAt: Number.POSITIVE_INFINITY });
    this.session.grants = grants;
  }

  expectsRawToken(): boolean {
    return this.state === 'raw';
  }

  private async login(token: Buffer): Promise<boolean> {
    const plain = parsePlain(token);
    const grants = plain ? await plainLogin(this.context.auth, plain.username, plain.password) : undefined;
    this.state = 'done';
    if (grants) this.session.grants = grants;
    return grants !== undefined;
  }

  /** The reply to a bare token, or undefined to close the connection. */
  async rawToken(token: Buffer): Promise<Buffer | undefined> {
    return (await this.login(token)) ? Buffer.alloc(0) : undefined;
  }

  async handle(request: KafkaRequest): Promise<{ body: KafkaWriter; close: boolean }> {
    const { body, version: v, flexible: f } = request;
    const writer = new KafkaWriter();
    if (request.apiKey === API.SaslHandshake) {
      const mechanism = body.string(false);
      if (this.state !== 'start' && !(this.state === 'done' && this.context.auth.acceptAnyToken)) {
        writer.int16(ERROR.ILLEGAL_SASL_STATE).array(['PLAIN'], false, (w, m) => w.string(m, false));
        return { body: writer, close: true };
      }
      const supported = mechanism === 'PLAIN';
      writer.int16(supported ? ERROR.NONE : ERROR.UNSUPPORTED_SASL_MECHANISM).array(['PLAIN'], false, (w, m) => w.string(m, false));
      if (supported) this.state = v === 0 ? 'raw' : 'authenticate';
      return { body: writer, close: !supported };
    }
    const token = body.bytes(f);
    if (this.state !== 'authenticate') {
      writer.int16(ERROR.ILLEGAL_SASL_STATE).nullableString('SaslAuthenticate must follow SaslHandshake', f).nullableBytes(Buffer.alloc(0), f);
      if (v >= 1) writer.int64(0);
      return { body: writer.tags(f), close: true };
    }
    const ok = await this.login(token);
    // The reason stays generic: the password is a connection string with a key in it.
    writer.int16(ok ? ERROR.NONE : ERROR.SASL_AUTHENTICATION_FAILED);
    writer.nullableString(ok ? null : 'Authentication failed: invalid $ConnectionString credentials', f);
    writer.nullableBytes(Buffer.alloc(0), f);
    if (v >= 1) writer.int64(0);
    return { body: writer.tags(f), close: !ok };
  }
}
