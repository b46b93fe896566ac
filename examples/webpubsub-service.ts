// The Web PubSub Python service quickstart (subscribe.py + publish.py) in TypeScript, followed by the
// rest of the Python service SDK's calls, each under its Python line. The subscriber is a plain
// WebSocket, as in Python (`websockets.connect(token['url'])`), so it gets raw frames.
// Run against a real hub or, with no arguments, an in-process emulator:
//   npx esbuild examples/webpubsub-service.ts --bundle --platform=node --format=esm --packages=external --outfile=test-output/examples/webpubsub-service.mjs
//   node test-output/examples/webpubsub-service.mjs ["<connection string>" <hub>]
import WebSocket from 'ws';
import { WebPubSubServiceClient, redactSecrets } from 'azure-realtime';
import { startWebPubSubEmulator } from 'azure-realtime/emulator';

const emulator = process.argv[2] ? undefined : await startWebPubSubEmulator({ port: 0 });
const connectionString = process.argv[2] ?? emulator!.connectionString;
const hubName = process.argv[3] ?? 'Hub';

// --- subscribe.py -------------------------------------------------------------------------------
// service = WebPubSubServiceClient.from_connection_string(connection_string, hub=hub_name)
const service = new WebPubSubServiceClient(connectionString, hubName);
// token = service.get_client_access_token()
const token = await service.getClientAccessToken();
// async with websockets.connect(token['url']) as ws: print('connected')
const received: string[] = [];
const ws = new WebSocket(token.url);
await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
console.log(`connected to ${redactSecrets(token.url)}`);
//   while True: print('Received message: ' + await ws.recv())
ws.on('message', (data, isBinary) => {
  const text = isBinary ? `<${(data as Buffer).length} bytes>` : data.toString();
  received.push(text);
  console.log(`Received message: ${text}`);
});

// --- publish.py ---------------------------------------------------------------------------------
// res = service.send_to_all(message, content_type='text/plain'); print(res)
console.log('send_to_all text:', await service.sendToAll('Hello World', { contentType: 'text/plain' }));

// --- the other calls of the Python service SDK ---------------------------------------------------
const show = async (pythonCall: string, call: () => Promise<unknown>) => {
  try {
    console.log(`${pythonCall} ->`, await call());
  } catch (error) {
    console.log(`${pythonCall} -> error ${(error as { code?: string }).code}: ${(error as Error).message}`);
  }
};
// service.send_to_all(message={'Hello': 'all'})  (JSON)
await show("send_to_all({'Hello': 'all'})", () => service.sendToAll({ Hello: 'all' }));
// service.send_to_all(message=b'\x01\x02', content_type='application/octet-stream')
await show('send_to_all(bytes)', () => service.sendToAll(new Uint8Array([1, 2])));
// token = service.get_client_access_token(user_id='user1', roles=[...], groups=['group1'], minutes_to_expire=5)
const userToken = await service.getClientAccessToken({ userId: 'user1', roles: ['webpubsub.joinLeaveGroup.group1'], groups: ['group1'], expirationTimeInMinutes: 5 });
const user1 = new WebSocket(userToken.url);
await new Promise((resolve, reject) => user1.once('open', resolve).once('error', reject));
user1.on('message', (data) => console.log(`user1 received: ${data.toString()}`));
// The simple client learns no connection id; the service names it in group listings.
let user1ConnectionId = '';
for await (const member of await service.group('group1').listConnections()) if (member.userId === 'user1') user1ConnectionId = member.connectionId;
// service.send_to_user(user_id='user1', message='Hi user1', content_type='text/plain')
await show("send_to_user('user1')", () => service.sendToUser('user1', 'Hi user1', { contentType: 'text/plain' }));
// service.send_to_connection(connection_id=..., message={'to': 'connection'})
await show('send_to_connection', () => service.sendToConnection(user1ConnectionId, { to: 'connection' }));
// service.send_to_group(group='group1', message='Hi group1', content_type='text/plain')
await show("send_to_group('group1')", () => service.group('group1').sendToAll('Hi group1', { contentType: 'text/plain' }));
// service.send_to_all(message='filtered', filter="userId eq 'user1'", content_type='text/plain')
await show('send_to_all(filter)', () => service.sendToAll('filtered', { contentType: 'text/plain', filter: "userId eq 'user1'" }));
// service.add_user_to_group(group='group2', user_id='user1') / remove_user_from_group(...)
await show("add_user_to_group('group2', 'user1')", () => service.group('group2').addUser('user1'));
await show("remove_user_from_group('group2', 'user1')", () => service.group('group2').removeUser('user1'));
// service.add_connection_to_group(group='group3', connection_id=...) / remove_connection_from_group(...)
await show("add_connection_to_group('group3')", () => service.group('group3').addConnection(user1ConnectionId));
await show("remove_connection_from_group('group3')", () => service.group('group3').removeConnection(user1ConnectionId));
// service.add_connections_to_groups({'groups': ['group4'], 'filter': "userId eq 'user1'"})
await show('add_connections_to_groups', () => service.addConnectionsToGroups(['group4'], "userId eq 'user1'"));
await show('remove_connections_from_groups', () => service.removeConnectionsFromGroups(['group4'], "userId eq 'user1'"));
// service.list_connections(group='group1')
await show("list_connections(group='group1')", async () => {
  const members = [];
  for await (const member of await service.group('group1').listConnections()) members.push(member);
  return members;
});
// service.connection_exists(...), user_exists('user1'), group_exists('group1')
await show('connection_exists', () => service.connectionExists(user1ConnectionId));
await show("user_exists('user1')", () => service.userExists('user1'));
await show("group_exists('group1')", () => service.groupExists('group1'));
// service.grant_permission('sendToGroup', connection_id=..., target_name='group1'), check_permission, revoke_permission
await show('grant_permission', () => service.grantPermission(user1ConnectionId, 'sendToGroup', { targetName: 'group1' }));
await show('check_permission', () => service.hasPermission(user1ConnectionId, 'sendToGroup', { targetName: 'group1' }));
await show('revoke_permission', () => service.revokePermission(user1ConnectionId, 'sendToGroup', { targetName: 'group1' }));
// service.remove_connection_from_all_groups(...), remove_user_from_all_groups('user1')
await show('remove_connection_from_all_groups', () => service.removeConnectionFromAllGroups(user1ConnectionId));
await show("remove_user_from_all_groups('user1')", () => service.removeUserFromAllGroups('user1'));
// service.close_group_connections('group1'), close_connection(...), close_user_connections('user1'), close_all_connections()
await show("close_group_connections('group1')", () => service.group('group1').closeAllConnections({ reason: 'group closed' }));
await show('close_connection', () => service.closeConnection(user1ConnectionId, { reason: 'bye' }));
await show("close_user_connections('user1')", () => service.closeUserConnections('user1', { reason: 'bye user1' }));
await show('close_all_connections', () => service.closeAllConnections({ reason: 'done' }));

await new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve())));
console.log(`subscriber received ${received.length} messages, then the hub closed it`);
await emulator?.close();
