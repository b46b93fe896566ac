import https from 'hyco-https';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
const realNow = Date.now;
Date.now = () => 1893456000000 - 3600 * 1000; // se = 1893456000 with the default 1 h
const key = 'W2hlbGxvLXJlbGF5LXRlc3Qta2V5XQ==';
const relay = ['sb://contoso.servicebus.windows.net/hyco', 'https://contoso.servicebus.windows.net/$hc/hyco?sb-hc-action=listen', 'sb://contoso.servicebus.windows.net/a%20b/c'].map((uri) => ({ uri, keyName: 'RootManageSharedAccessKey', key, token: https.createRelayToken(uri, 'RootManageSharedAccessKey', key) }));
const conn = 'Endpoint=https://contoso.webpubsub.azure.com;AccessKey=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH;Version=1.0;';
const inputs = [{}, { userId: 'user1', roles: ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup.g1'], groups: ['g1'], expirationTimeInMinutes: 5 }, { userId: 'u2', clientProtocol: 'mqtt' }, { clientProtocol: 'socketio', groups: [] }];
const webpubsub = [];
for (const options of inputs) {
  const c = new WebPubSubServiceClient(conn, 'chat');
  webpubsub.push({ connectionString: conn, hub: 'chat', now: Date.now(), options, result: await c.getClientAccessToken(options) });
}
Date.now = realNow;
console.log(JSON.stringify({ note: 'Produced by hyco-https createRelayToken and @azure/web-pubsub getClientAccessToken with the clock frozen; test/node/official-vectors.test.ts recomputes them from those packages.', relay, webpubsub }, null, 2));
