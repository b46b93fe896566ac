import type { MessagePayload } from '../../core/webpubsub/frames.js';

// The last messages the Web PubSub emulator sent to its clients, for the dashboard
// (src/emulator/dashboard): one entry per send (not per recipient), payloads cut to a preview.
// It records nothing until a dashboard asks for it (`enabled`), so an emulator nobody watches
// pays one branch per send.

export type TailTarget = 'all' | 'group' | 'user' | 'connection';

export interface TailEntry {
  /** ms since the epoch. */
  at: number;
  hub: string;
  target: TailTarget;
  /** The group, user or connection id; absent for `all`. */
  name?: string;
  /** `group` when a client published to a group, `server` for REST sends and event-handler replies. */
  from: 'server' | 'group';
  fromUserId?: string;
  dataType: MessagePayload['dataType'];
  /** At most PREVIEW_CHARS characters; binary data as hex. */
  preview: string;
  truncated: boolean;
  recipients: number;
}

export const DEFAULT_TAIL_SIZE = 50;
export const PREVIEW_CHARS = 200;
const HEX_BYTES = 48;

export class MessageTail {
  enabled = false;
  readonly #entries: TailEntry[] = [];
  #total = 0;

  constructor(readonly capacity = DEFAULT_TAIL_SIZE) {}

  record(hub: string, target: TailTarget, name: string | undefined, from: TailEntry['from'], fromUserId: string | undefined, payload: MessagePayload, recipients: number): void {
    if (!this.enabled) return;
    this.#total++;
    const { text, truncated } = preview(payload);
    this.#entries.push({
      at: Date.now(),
      hub,
      target,
      ...(name === undefined ? {} : { name: name.slice(0, 200) }),
      from,
      ...(fromUserId === undefined ? {} : { fromUserId }),
      dataType: payload.dataType,
      preview: text,
      truncated,
      recipients,
    });
    if (this.#entries.length > this.capacity) this.#entries.shift();
  }

  /** Newest first. */
  recent(): TailEntry[] {
    return [...this.#entries].reverse();
  }

  /** Sends recorded since it was enabled, including those the ring no longer holds. */
  get total(): number {
    return this.#total;
  }
}

export function preview(payload: MessagePayload): { text: string; truncated: boolean } {
  switch (payload.dataType) {
    case 'text':
      return cut(payload.data);
    case 'json':
      return cut(boundedJson(payload.data, PREVIEW_CHARS + 1));
    default: {
      const bytes = payload.data;
      const hex = Array.from(bytes.subarray(0, HEX_BYTES), (b) => b.toString(16).padStart(2, '0')).join(' ');
      return { text: `${bytes.length} bytes: ${hex}`, truncated: bytes.length > HEX_BYTES };
    }
  }
}

function cut(text: string): { text: string; truncated: boolean } {
  return text.length > PREVIEW_CHARS ? { text: text.slice(0, PREVIEW_CHARS), truncated: true } : { text, truncated: false };
}

/** JSON.stringify that stops once `budget` characters are written, so a 1 MB payload costs a preview's worth. */
export function boundedJson(value: unknown, budget: number): string {
  let out = '';
  const write = (text: string): boolean => {
    out += text;
    return out.length < budget;
  };
  const visit = (node: unknown): boolean => {
    if (typeof node === 'string') return write(JSON.stringify(node.slice(0, budget)));
    if (node === null || typeof node !== 'object') return write(JSON.stringify(node) ?? 'null');
    if (Array.isArray(node)) {
      if (!write('[')) return false;
      for (let i = 0; i < node.length; i++) {
        if (i > 0 && !write(',')) return false;
        if (!visit(node[i])) return false;
      }
      return write(']');
    }
    if (!write('{')) return false;
    let first = true;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      if (!first && !write(',')) return false;
      first = false;
      if (!write(`${JSON.stringify(key)}:`)) return false;
      if (!visit((node as Record<string, unknown>)[key])) return false;
    }
    return write('}');
  };
  visit(value);
  return out;
}
