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

export type SaslOutcome = 'ok' | 'refused' | 'pending';

/**
 * Where rhea's server-side SASL exchange stands. rhea answers sasl-init a promise tick later
 * (node_modules/rhea/lib/sasl.js: SaslServer.on_sasl_init → do_step), and only then reads further
 * bytes as AMQP; until that tick its SASL layer takes `AMQP 0 1 0 0` for the size of a 1.1 GB frame.
 */
export function saslOutcomeOf(connection: Connection | undefined): SaslOutcome {
  type SaslServer = { outcome?: number; transports?: Record<number, { outcome?: number } | undefined> };
  const layer = (connection as unknown as { sasl_transport?: SaslServer } | undefined)?.sasl_transport;
  const server = layer?.transports ? layer.transports[3] : layer;
  if (server?.outcome === undefined) return 'pending';
  return server.outcome === 0 ? 'ok' : 'refused';
}
