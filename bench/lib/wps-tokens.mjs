// HS256 tokens for the Web PubSub emulator, minted here with node:crypto so that the Web PubSub
// rows depend on the emulator alone (the rows measure the server, not our client library).
import { createHmac } from 'node:crypto';

const base64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function jwt(claims, accessKey) {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url({ ...claims, iat: now, exp: now + 3600 })}`;
  return `${unsigned}.${createHmac('sha256', accessKey).update(unsigned).digest('base64url')}`;
}

/** `ws://…/client/hubs/{hub}?access_token=…`, with the group claim when given. */
export function clientUrl(endpoint, accessKey, hub, groups) {
  const http = endpoint.replace(/\/+$/, '');
  const token = jwt({ aud: `${http}/client/hubs/${hub}`, sub: 'bench', ...(groups ? { 'webpubsub.group': groups } : {}) }, accessKey);
  return `${http.replace(/^http/, 'ws')}/client/hubs/${hub}?access_token=${token}`;
}

/** Path and Authorization header of a REST send to the hub, or to one group of it. */
export function restSend(endpoint, accessKey, hub, group) {
  const http = endpoint.replace(/\/+$/, '');
  const path = `/api/hubs/${hub}${group ? `/groups/${encodeURIComponent(group)}` : ''}/:send`;
  return { path: `${path}?api-version=2024-01-01`, headers: { authorization: `Bearer ${jwt({ aud: `${http}${path}` }, accessKey)}` } };
}
