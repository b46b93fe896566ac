// Link addresses and CBS audiences name the same entities (docs/protocol/eventhubs.md §3–§6):
//   <hub>                                      sender, service picks the partition
//   <hub>/Partitions/<id>                      sender to one partition
//   <hub>/ConsumerGroups/<cg>/Partitions/<id>  receiver
//   <hub>/$management, $management, $cbs
// Addresses may also arrive as full URLs (amqps://host/hub, sb://host:port/hub); the host is
// ignored because clients reach the emulator as localhost, 127.0.0.1 or a custom endpoint.

export type EntityPath =
  | { kind: 'hub'; hub: string }
  | { kind: 'partition'; hub: string; partitionId: string }
  | { kind: 'consumer'; hub: string; consumerGroup: string; partitionId: string }
  | { kind: 'hub-management'; hub: string }
  | { kind: 'management' }
  | { kind: 'cbs' }
  | { kind: 'namespace' }
  | { kind: 'unknown'; path: string };

/** The path part of an address or audience: no scheme, host, port, query or edge slashes. */
export function addressPath(address: string): string {
  let text = address.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(text);
  if (scheme) text = text.slice(scheme[0].length);
  text = text.replace(/[?#].*$/, '').replace(/^\/+|\/+$/g, '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function parseEntityPath(address: string | undefined | null): EntityPath {
  if (typeof address !== 'string') return { kind: 'unknown', path: String(address) };
  const path = addressPath(address);
  if (path === '') return { kind: 'namespace' };
  const parts = path.split('/');
  const lower = parts.map((part) => part.toLowerCase());
  if (parts.length === 1 && lower[0] === '$cbs') return { kind: 'cbs' };
  if (parts.length === 1 && lower[0] === '$management') return { kind: 'management' };
  const hub = parts[0]!;
  if (parts.length === 1) return { kind: 'hub', hub };
  if (parts.length === 2 && lower[1] === '$management') return { kind: 'hub-management', hub };
  if (parts.length === 3 && lower[1] === 'partitions') return { kind: 'partition', hub, partitionId: parts[2]! };
  if (parts.length === 5 && lower[1] === 'consumergroups' && lower[3] === 'partitions') {
    return { kind: 'consumer', hub, consumerGroup: parts[2]!, partitionId: parts[4]! };
  }
  return { kind: 'unknown', path };
}

/** True when `grantPath` (from a token's sr) equals `targetPath` or is one of its parents. */
export function pathCovers(grantPath: string, targetPath: string): boolean {
  const grant = grantPath.toLowerCase();
  const target = targetPath.toLowerCase();
  return grant === '' || grant === target || target.startsWith(`${grant}/`);
}
