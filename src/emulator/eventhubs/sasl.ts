import type { Connection, Container } from 'rhea';
import { ConnectionGrants, type CbsAuthority } from './cbs.js';

// SASL (docs/protocol/eventhubs.md §2, §13): the JS SDK can only do ANONYMOUS; .NET asks for MSSBCBS ("claims come
// later over $cbs"), which Microsoft's mock aliases to EXTERNAL. PLAIN with a policy name and
// key authorizes the whole connection. rhea's selective server also takes the bare AMQP header.

interface Mechanism {
  outcome: boolean | undefined;
  username: string | undefined;
  start(response?: Buffer, hostname?: string): void;
}

class PlainMechanism implements Mechanism {
  outcome: boolean | undefined;
  username: string | undefined;
  readonly grants = new ConnectionGrants();

  constructor(private readonly authority: CbsAuthority) {}

  start(response?: Buffer): void {
    // authzid NUL authcid NUL passwd (RFC 4616)
    const fields = (response ?? Buffer.alloc(0)).toString('utf8').split('\u0000');
    if (fields.length !== 3) {
      this.outcome = false;
      return;
    }
    this.username = fields[1];
    this.outcome = this.authority.plainLogin(this.grants, fields[1]!, fields[2]!);
  }
}

class ClaimsLaterMechanism implements Mechanism {
  outcome: boolean | undefined;
  username: string | undefined;

  start(): void {
    this.outcome = true;
  }
}

export function installSaslMechanisms(container: Container, authority: CbsAuthority): void {
  const mechanisms = (container as unknown as { sasl_server_mechanisms: Record<string, unknown> & { enable_anonymous(): void } })
    .sasl_server_mechanisms;
  mechanisms.enable_anonymous();
  mechanisms.MSSBCBS = () => new ClaimsLaterMechanism();
  mechanisms.EXTERNAL = () => new ClaimsLaterMechanism();
  mechanisms.PLAIN = () => new PlainMechanism(authority);
}

/** Grants won by SASL PLAIN on this connection (rhea keeps the mechanism on its SASL layer). */
export function saslGrantsOf(connection: Connection): ConnectionGrants | undefined {
  const layer = (connection as unknown as { sasl_transport?: { transports?: Record<number, { mechanism?: unknown }> } }).sasl_transport;
  const mechanism = layer?.transports?.[3]?.mechanism;
  return mechanism instanceof PlainMechanism && mechanism.outcome ? mechanism.grants : undefined;
}
