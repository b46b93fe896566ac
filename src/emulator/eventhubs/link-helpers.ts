import type { Receiver, Sender } from 'rhea';

// Attach answers (AMQP 1.0 §2.6.3): an accepted link echoes the client's source and target; a
// refused one leaves our terminus null and detaches at once with the error.

export interface LinkRefusal {
  condition: string;
  description: string;
}

/** The attach fields and counters rhea keeps on a link but leaves out of its typings. */
export interface AttachFields {
  source?: { address?: string; filter?: unknown } | null;
  target?: { address?: string } | null;
  properties?: Record<string, unknown>;
  desired_capabilities?: unknown;
  offered_capabilities?: unknown;
  max_message_size?: number;
  snd_settle_mode?: number;
}

export interface LinkInternals {
  remote: { attach?: AttachFields };
  local: { attach: AttachFields };
  credit: number;
}

export function internals(link: Sender | Receiver): LinkInternals {
  return link as unknown as LinkInternals;
}

export function echoTermini(link: Sender | Receiver): void {
  const attach = internals(link).remote.attach!;
  const withTermini = link as unknown as { set_source(fields: unknown): void; set_target(fields: unknown): void };
  if (attach.source) withTermini.set_source(attach.source);
  if (attach.target) withTermini.set_target(attach.target);
}

export function refuseLink(link: Sender | Receiver, refusal: LinkRefusal): undefined {
  link.close(refusal);
  return undefined;
}
