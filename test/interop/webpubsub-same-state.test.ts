import { WebPubSubServiceClient as OfficialServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, WebPubSubJsonProtocol, type OnServerDataMessageArgs } from '@azure/web-pubsub-client';
import { afterAll, describe, expect, it } from 'vitest';
import { startWebPubSubEmulator, type RunningWebPubSubEmulator } from '../../src/emulator/webpubsub/index.js';
import { WebPubSubServiceClient as OurServiceClient } from '../../src/node/webpubsub.js';
import { until } from '../shared/until.js';

// One script of service calls, run once with @azure/web-pubsub 1.2.0 and once with ours, each against
// a fresh emulator with the same official clients connected. The two runs must leave the same state:
// the same answers, the same messages at every client, the same closed connections, the same groups.

const HUB = 'sameState';
const LABELS = ['alice1', 'alice2', 'bob', 'carol'] as const;
type Label = (typeof LABELS)[number] | 'dave';
const USERS: Record<Label, string> = { alice1: 'alice', alice2: 'alice', bob: 'bob', carol: 'carol', dave: 'dave' };
const emulators: RunningWebPubSubEmulator[] = [];
const clients: WebPubSubClient[] = [];

afterAll(async () => {
  for (const client of clients) client.stop();
  await Promise.all(emulators.map((e) => e.close()));
});

interface Peer {
  connectionId: string;
  messages: string[];
  disconnected: boolean;
}

function describeMessage(message: OnServerDataMessageArgs['message']): string {
  const data = message.dataType === 'binary' ? Array.from(new Uint8Array(message.data as ArrayBuffer)) : message.data;
  return `${message.dataType}:${JSON.stringify(data)}`;
}

async function connect(url: string): Promise<Peer> {
  const client = new WebPubSubClient(url, { protocol: WebPubSubJsonProtocol(), autoReconnect: false, messageRetryOptions: { maxRetries: 0 } });
  clients.push(client);
  const peer: Peer = { connectionId: '', messages: [], disconnected: false };
  client.on('server-message', (e) => peer.messages.push(describeMessage(e.message)));
  client.on('disconnected', () => (peer.disconnected = true));
  const connected = new Promise<string>((resolve) => client.on('connected', (e) => resolve(e.connectionId)));
  await client.start();
  peer.connectionId = await connected;
  return peer;
}

// Typed as ours: a union of the two overloaded classes is not callable in TypeScript. The official
// client is passed through a cast; at run time both are called with the same arguments.
type Service = OurServiceClient;

/** The script under test. Returns every answer, errors as their HTTP status. */
async function script(service: Service, peers: Map<Label, Peer>, connectDave: (url: string) => Promise<void>): Promise<unknown[]> {
  const id = (label: Label) => peers.get(label)!.connectionId;
  const label = (connectionId: string) => [...peers].find(([, p]) => p.connectionId === connectionId)?.[0] ?? 'unknown';
  const answers: unknown[] = [];
  const step = async (name: string, call: () => Promise<unknown>) => {
    try {
      const result = await call();
      // Void operations: the official client resolves to an incidental `{ body: undefined }`.
      answers.push([name, typeof result === 'boolean' || typeof result === 'string' || Array.isArray(result) ? result : 'ok']);
    } catch (error) {
      const e = error as { statusCode?: number; status?: number };
      answers.push([name, { error: e.statusCode ?? e.status ?? String(error) }]);
    }
  };
  const red = service.group('red');
  await step('sendToAll json', () => service.sendToAll({ kind: 'json', n: [1, 2] }));
  await step('sendToAll text', () => service.sendToAll('plain text', { contentType: 'text/plain' }));
  await step('sendToAll binary', () => service.sendToAll(new Uint8Array([1, 2, 255])));
  await step('red.addUser alice', () => red.addUser('alice'));
  await step('red.addConnection bob', () => red.addConnection(id('bob')));
  await step('addConnectionsToGroups blue', () => service.addConnectionsToGroups(['blue'], "userId eq 'carol'"));
  await step('red.sendToAll', () => red.sendToAll('to red', { contentType: 'text/plain', excludedConnections: [id('alice2')] }));
  await step('sendToUser bob', () => service.sendToUser('bob', { to: 'bob' }));
  await step('sendToConnection carol', () => service.sendToConnection(id('carol'), 'to carol', { contentType: 'text/plain' }));
  await step('sendToAll filter blue', () => service.sendToAll('blue only', { contentType: 'text/plain', filter: "'blue' in groups" }));
  await step('sendToAll excluded', () => service.sendToAll({ not: 'bob' }, { excludedConnections: [id('bob')] }));
  await step('groupExists red', () => service.groupExists('red'));
  await step('groupExists none', () => service.groupExists('none'));
  await step('userExists alice', () => service.userExists('alice'));
  await step('userExists zed', () => service.userExists('zed'));
  await step('connectionExists bob', () => service.connectionExists(id('bob')));
  await step('connectionExists unknown', () => service.connectionExists('unknown-connection'));
  await step('red members', async () => {
    const members: string[] = [];
    for await (const member of await red.listConnections()) members.push(`${label(member.connectionId)}/${member.userId}`);
    return members.sort();
  });
  await step('grant carol sendToGroup red', () => service.grantPermission(id('carol'), 'sendToGroup', { targetName: 'red' }));
  await step('has carol sendToGroup red', () => service.hasPermission(id('carol'), 'sendToGroup', { targetName: 'red' }));
  await step('has carol sendToGroup blue', () => service.hasPermission(id('carol'), 'sendToGroup', { targetName: 'blue' }));
  await step('grant bob joinLeaveGroup', () => service.grantPermission(id('bob'), 'joinLeaveGroup'));
  await step('revoke bob joinLeaveGroup', () => service.revokePermission(id('bob'), 'joinLeaveGroup'));
  await step('has bob joinLeaveGroup', () => service.hasPermission(id('bob'), 'joinLeaveGroup'));
  await step('removeConnectionsFromGroups blue', () => service.removeConnectionsFromGroups(['blue'], ''));
  await step('groupExists blue', () => service.groupExists('blue'));
  await step('red.removeUser alice', () => red.removeUser('alice'));
  await step('red.addConnection alice2', () => red.addConnection(id('alice2')));
  await step('removeConnectionFromAllGroups alice2', () => service.removeConnectionFromAllGroups(id('alice2')));
  await step('removeUserFromAllGroups bob', () => service.removeUserFromAllGroups('bob'));
  await step('groupExists red after', () => service.groupExists('red'));
  await step('red.addConnection missing', () => red.addConnection('missing-connection'));
  await step('red.removeConnection missing', () => red.removeConnection('missing-connection'));
  await step('dave token', async () => {
    const token = await service.getClientAccessToken({ userId: 'dave', groups: ['red'], roles: ['webpubsub.sendToGroup.red'] });
    await connectDave(token.url);
    return token.baseUrl.replace(/:\d+\//, ':PORT/');
  });
  await step('red.sendToAll dave', () => red.sendToAll('hello dave', { contentType: 'text/plain' }));
  await step('sendToAll END', () => service.sendToAll('END', { contentType: 'text/plain' }));
  await until(() => [...peers.values()].every((p) => p.messages.includes('text:"END"')), 'END at every client');
  await step('closeConnection alice1', () => service.closeConnection(id('alice1'), { reason: 'bye alice1' }));
  await step('closeUserConnections bob', () => service.closeUserConnections('bob', { reason: 'bye bob' }));
  await until(() => peers.get('alice1')!.disconnected && peers.get('bob')!.disconnected, 'alice1 and bob closed');
  await step('connectionExists alice1', () => service.connectionExists(id('alice1')));
  await step('userExists alice', () => service.userExists('alice'));
  await step('userExists bob', () => service.userExists('bob'));
  return answers;
}

async function run(makeService: (connectionString: string) => Service) {
  const emulator = await startWebPubSubEmulator({ port: 0 });
  emulators.push(emulator);
  // Peers are minted by the official SDK in both runs: only the script differs.
  const minter = new OfficialServiceClient(emulator.connectionString, HUB, { allowInsecureConnection: true });
  const peers = new Map<Label, Peer>();
  for (const label of LABELS) peers.set(label, await connect((await minter.getClientAccessToken({ userId: USERS[label] })).url));
  const answers = await script(makeService(emulator.connectionString), peers, async (url) => void peers.set('dave', await connect(url)));
  const byConnection = new Map([...peers].map(([label, peer]) => [peer.connectionId, label]));
  return {
    answers,
    messages: Object.fromEntries([...peers].map(([label, peer]) => [label, peer.messages])),
    disconnected: Object.fromEntries([...peers].map(([label, peer]) => [label, peer.disconnected])),
    liveConnections: emulator.connectionIds(HUB).map((id) => byConnection.get(id) ?? 'unknown').sort(),
  };
}

describe('the same script with @azure/web-pubsub and with ours', () => {
  it('leaves the emulator and every client in the same state', async () => {
    const official = await run((cs) => new OfficialServiceClient(cs, HUB, { allowInsecureConnection: true }) as unknown as Service);
    const ours = await run((cs) => new OurServiceClient(cs, HUB));
    expect(ours).toEqual(official);
    // And the shared outcome is the intended one, so two equally broken runs cannot pass.
    expect(official.messages.bob).toEqual(['json:{"kind":"json","n":[1,2]}', 'text:"plain text"', 'binary:[1,2,255]', 'text:"to red"', 'json:{"to":"bob"}', 'text:"END"']);
    expect(official.messages.carol).toEqual(['json:{"kind":"json","n":[1,2]}', 'text:"plain text"', 'binary:[1,2,255]', 'text:"to carol"', 'text:"blue only"', 'json:{"not":"bob"}', 'text:"END"']);
    expect(official.messages.dave).toEqual(['text:"hello dave"', 'text:"END"']);
    expect(official.liveConnections).toEqual(['alice2', 'carol', 'dave']);
    expect(Object.fromEntries(official.answers as [string, unknown][])).toMatchObject({
      'groupExists red': true,
      'groupExists none': false,
      'red members': ['alice1/alice', 'alice2/alice', 'bob/bob'],
      'has carol sendToGroup red': true,
      'has bob joinLeaveGroup': false,
      'red.addConnection missing': { error: 404 },
      'connectionExists alice1': false,
      'userExists alice': true,
      'userExists bob': false,
    });
  });
});
