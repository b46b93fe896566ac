import type { IncomingMessage } from 'node:http';

// The checks `ws` makes when it completes an upgrade (RFC 6455 §4.2.1), made up front: a sender's
// upgrade is completed only after a listener has accepted it, so without them a handshake `ws`
// would refuse still sends an `accept` to a listener and wastes its rendezvous dial.

const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface HandshakeProblem {
  status: 400 | 405;
  message: string;
}

export function handshakeProblem(req: IncomingMessage): HandshakeProblem | undefined {
  if (req.method !== 'GET') return { status: 405, message: 'WebSocket upgrades use GET.' };
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') return { status: 400, message: 'Invalid Upgrade header.' };
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return { status: 400, message: 'Missing or invalid Sec-WebSocket-Key header.' };
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return { status: 400, message: 'Missing or invalid Sec-WebSocket-Version header (13).' };
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const offered = protocols.split(',').map((p) => p.trim());
    if (offered.some((p) => !TOKEN.test(p)) || new Set(offered).size !== offered.length) return { status: 400, message: 'Invalid Sec-WebSocket-Protocol header.' };
  }
  return undefined;
}
