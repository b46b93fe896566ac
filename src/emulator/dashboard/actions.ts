import type { MessagePayload } from '../../core/webpubsub/frames.js';
import { DashboardInputError } from '../eventhubs/snapshot.js';
import type { TailTarget } from '../webpubsub/message-tail.js';
import type { DashboardSources } from './options.js';

// What the dashboard's forms do, after server.ts checked origin and token: parse the JSON body,
// check every field, call the service's inspector. Answers are { ok, ... } or { error } with 400.

export interface ActionResult {
  status: number;
  body: Record<string, unknown>;
}

const TARGETS: readonly TailTarget[] = ['all', 'group', 'user', 'connection'];
const NAME_CHARS = 1024;

function text(body: Record<string, unknown>, field: string, required: boolean, max = NAME_CHARS): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new DashboardInputError(`expected ${field}`);
    return undefined;
  }
  if (typeof value !== 'string') throw new DashboardInputError(`expected ${field} to be a string`);
  if (value.length > max) throw new DashboardInputError(`expected ${field} of at most ${max} characters`);
  return value;
}

function payloadOf(body: Record<string, unknown>): MessagePayload {
  const data = text(body, 'data', false, 64 * 1024) ?? '';
  const dataType = body.dataType ?? 'text';
  if (dataType === 'text') return { dataType: 'text', data };
  if (dataType !== 'json') throw new DashboardInputError('expected dataType text or json');
  try {
    return { dataType: 'json', data: JSON.parse(data) as unknown };
  } catch {
    throw new DashboardInputError('expected data to be JSON text when dataType is json');
  }
}

export async function runAction(action: string, sources: DashboardSources, body: Record<string, unknown>): Promise<ActionResult> {
  try {
    switch (action) {
      case 'webpubsub/send': {
        const inspector = sources.webpubsub?.inspector;
        if (!inspector) return { status: 404, body: { error: 'the Web PubSub emulator is not running' } };
        const target = body.target;
        if (!TARGETS.includes(target as TailTarget)) throw new DashboardInputError('expected target all, group, user or connection');
        const name = text(body, 'name', target !== 'all');
        const recipients = inspector.send({ hub: text(body, 'hub', true)!, target: target as TailTarget, ...(name === undefined ? {} : { name }), payload: payloadOf(body) });
        return { status: 200, body: { ok: true, recipients } };
      }
      case 'webpubsub/close': {
        const inspector = sources.webpubsub?.inspector;
        if (!inspector) return { status: 404, body: { error: 'the Web PubSub emulator is not running' } };
        const reason = text(body, 'reason', false);
        const closed = inspector.close(text(body, 'hub', true)!, text(body, 'connectionId', true)!, reason);
        return closed ? { status: 200, body: { ok: true } } : { status: 404, body: { error: 'no such connection' } };
      }
      case 'eventhubs/send': {
        const inspector = sources.eventhubs?.inspector;
        if (!inspector) return { status: 404, body: { error: 'the Event Hubs emulator is not running' } };
        const partitionId = text(body, 'partitionId', false, 10);
        const partitionKey = text(body, 'partitionKey', false);
        const sent = await inspector.send({
          hub: text(body, 'hub', true)!,
          body: text(body, 'body', false, 64 * 1024) ?? '',
          ...(partitionId === undefined ? {} : { partitionId }),
          ...(partitionKey === undefined ? {} : { partitionKey }),
        });
        return { status: 200, body: { ok: true, ...sent } };
      }
      default:
        return { status: 404, body: { error: 'no such action' } };
    }
  } catch (error) {
    if (error instanceof DashboardInputError) return { status: 400, body: { error: error.message } };
    throw error;
  }
}
