import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { recordResult } from './budget.js';
import type { EmulatorFixture } from './fixture.js';

// The auth matrix's shared parts: one case per way a credential can be wrong, each naming the
// refusal the service gives; a case that gets in is "let in". Keys below are the suite's own,
// configured into the emulator by each file (and searched for in its output).

export const ROOT_KEY_NAME = 'RootManageSharedAccessKey';
export const RELAY_LISTEN_KEY = 'YXV0aC1tYXRyaXgtbGlzdGVuLW9ubHkta2V5LTAwMDA=';
export const RELAY_SEND_KEY = 'YXV0aC1tYXRyaXgtc2VuZC1vbmx5LWtleS0wMDAwMDA=';
export const EH_SEND_KEY = 'YXV0aC1tYXRyaXgtZWgtc2VuZC1vbmx5LWtleS0wMDA=';
export const EH_LISTEN_KEY = 'YXV0aC1tYXRyaXgtZWgtbGlzdGVuLW9ubHkta2V5LTAw';
export const WPS_KEY = 'QXV0aE1hdHJpeFdlYlB1YlN1YktleTAxMjM0NTY3ODkwMTIzNDU2Nzg5';
export const WRONG_KEY = 'bm90LXRoZS1rZXktYXQtYWxsLTAwMDAwMDAwMDAwMDA=';

export interface AuthCase {
  name: string;
  /** The refusal the service gives (status, close code or AMQP condition); 'let in' marks a control case. */
  expected: string;
  /** What happened: the refusal observed, or 'let in'. */
  attempt(): Promise<string>;
}

export const now = () => Math.floor(Date.now() / 1000);
export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The HTTP status a WebSocket handshake got, or 'let in' when it opened. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}, protocols: string[] = []): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve('let in');
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(String(res.statusCode));
    });
    ws.once('error', (error) => resolve(`error ${error.message}`));
  });
}

/** Runs the cases as one test each and records the service's row for RESULTS.md. */
export function runAuthMatrix(service: string, fixture: EmulatorFixture, cases: readonly AuthCase[]): void {
  const outcomes: Array<{ name: string; expected: string; observed: string }> = [];
  afterAll(() => {
    const letIn = outcomes.filter((o) => o.observed === 'let in' && o.expected !== 'let in');
    const mismatched = outcomes.filter((o) => o.observed !== o.expected);
    recordResult({ target: `auth matrix: ${service}`, cases: outcomes.length, crashes: fixture.child.exited ? 1 : 0, hangs: 0, letIn: letIn.length, lost: 0, ...(mismatched.length ? { note: mismatched.map((o) => `${o.name}: ${o.observed}`).join('; ').slice(0, 300) } : {}) });
  });
  describe(`auth matrix, ${service}: 0 let in, each refused as the service refuses`, () => {
    it.each(cases.map((c) => [`${c.name} → ${c.expected}`, c] as const))('%s', { timeout: 20_000 }, async (_label, c) => {
      const observed = await c.attempt();
      outcomes.push({ name: c.name, expected: c.expected, observed });
      // A control case (expected 'let in') proves the hand-built exchange can succeed at all.
      if (c.expected !== 'let in') expect(observed).not.toBe('let in');
      expect(observed).toBe(c.expected);
    });
  });
}
