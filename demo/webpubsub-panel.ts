import { createWebPubSubClient, type WebPubSubClient } from 'azure-realtime/webpubsub-client';
import { negotiateUrl, type DemoConfig } from './api.js';
import { button, describeError, el, field, input, logView, randomName, statusLine } from './ui.js';

// Web PubSub chat: the official @azure/web-pubsub-client, built by our createWebPubSubClient from
// the dev server's negotiate endpoint. "To group" is a client sendToGroup; "to all" is a user
// event that the server's event handler turns into sendToAll (clients cannot send to all).

interface ChatPayload {
  text?: unknown;
}

/** What the dev server sends to all for the broadcast user event: { from, data }. */
interface Broadcast {
  from?: unknown;
  data?: ChatPayload;
}

export function mountWebPubSubPanel(root: HTMLElement, config: NonNullable<DemoConfig['webpubsub']>): void {
  const user = input('wps-user', randomName('user'), { maxlength: '64' });
  const group = input('wps-group', 'lobby', { maxlength: '64' });
  const message = input('wps-message', '', { placeholder: 'say something', maxlength: '2000' });
  const status = statusLine('wps-status', 'not connected');
  const log = logView('wps-messages');
  let client: WebPubSubClient | undefined;
  let joinedGroup = '';

  const report = (error: unknown) => {
    status.set('error', `error: ${describeError(error)}`);
    log.add('error', describeError(error));
  };

  const connect = async () => {
    if (client) return;
    const userId = user.value.trim();
    const groupName = group.value.trim();
    if (!userId || !groupName) throw new TypeError('expected a user name and a group');
    status.set('busy', `connecting as ${userId}…`);
    const current = (client = createWebPubSubClient({ negotiateUrl: negotiateUrl(userId) }));
    current.on('connected', (e) => {
      status.set('ok', `connected as ${e.userId} (connection ${e.connectionId}) in group ${groupName}`);
      log.add('info', `connected as ${e.userId}`);
    });
    current.on('disconnected', (e) => {
      status.set('busy', `disconnected${e.message?.message ? `: ${e.message.message}` : ''}; reconnecting…`);
      log.add('error', `disconnected${e.message?.message ? `: ${e.message.message}` : ''}`);
    });
    current.on('stopped', () => {
      if (client === current) client = undefined;
      status.set('idle', 'stopped');
    });
    current.on('group-message', ({ message: m }) => {
      const data = m.data as ChatPayload;
      log.add('in', `[${m.group}] ${m.fromUserId ?? 'server'}: ${chatText(data)}`);
    });
    current.on('server-message', ({ message: m }) => {
      const broadcast = m.data as Broadcast;
      log.add('in', `[all] ${typeof broadcast?.from === 'string' ? broadcast.from : 'server'}: ${chatText(broadcast?.data ?? {})}`);
    });
    current.on('rejoin-group-failed', (e) => report(e.error));
    try {
      await current.start();
      await current.joinGroup(groupName);
      joinedGroup = groupName;
      log.add('info', `joined group ${groupName}`);
    } catch (error) {
      current.stop();
      if (client === current) client = undefined;
      throw error;
    }
  };

  const disconnect = async () => {
    client?.stop();
    client = undefined;
  };

  const send = async (target: 'group' | 'all') => {
    const text = message.value.trim();
    if (!text) return;
    if (!client) throw new TypeError('connect first');
    if (target === 'group') await client.sendToGroup(joinedGroup, { text }, 'json');
    else if (config.broadcastEvent) await client.sendEvent(config.broadcastEvent, { text }, 'json');
    else throw new TypeError('the dev server has no broadcast event (azureRealtime({ emulator: { broadcastEvent } }))');
    log.add('out', `sent to ${target === 'group' ? `group ${joinedGroup}` : 'all'}: ${text}`);
    message.value = '';
  };

  root.append(
    el('h2', {}, 'Web PubSub chat'),
    el('p', { class: 'hint' }, `Hub "${config.hub}". Open a second tab to chat with yourself.`),
    el('div', { class: 'row' }, field('User', user), field('Group', group),
      button('wps-connect', 'Connect', connect, report), button('wps-disconnect', 'Disconnect', disconnect, report)),
    status.node,
    el('div', { class: 'row' }, field('Message', message),
      button('wps-send-group', 'Send to group', () => send('group'), report), button('wps-send-all', 'Send to all', () => send('all'), report)),
    log.node,
  );
}

function chatText(data: ChatPayload): string {
  return typeof data?.text === 'string' ? data.text : JSON.stringify(data);
}
