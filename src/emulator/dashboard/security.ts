import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

// Who may use the dashboard. It holds no key, but its forms act on the emulator, so:
//  - every request must name the dashboard by an address, `localhost` or the host it was bound
//    to: a DNS-rebinding page (its own name pointing at 127.0.0.1) is refused before it can read
//    the page or the token in it;
//  - a form POST must be same-origin (Origin / Sec-Fetch-Site when the browser sends them) and
//    carry the per-process random token embedded in the page, as JSON (a cross-site form cannot
//    send that content type without a CORS preflight, which the dashboard never grants).

export const CSRF_HEADER = 'x-dashboard-token';

export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The host name of a Host header, brackets kept for IPv6, without the port; lowercase. */
function hostnameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.replace(/:\d*$/, '');
}

export function hostAllowed(hostHeader: string | undefined, boundHost: string): boolean {
  if (!hostHeader) return false;
  const name = hostnameOf(hostHeader);
  const bare = name.startsWith('[') ? name.slice(1, -1) : name;
  return isIP(bare) !== 0 || name === 'localhost' || name === boundHost.toLowerCase();
}

/** Undefined when the POST may act; otherwise why not (the answer is 403 with it). */
export function formRefusal(req: IncomingMessage, token: string): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return 'expected a same-origin request';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return 'expected a same-origin request';
  const given = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''));
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return `expected the ${CSRF_HEADER} header of the page`;
  return undefined;
}
