import { describe, expect, test } from 'vitest';
import { FrameGuard } from '../../../src/emulator/eventhubs/frame-guard.js';
import { AMQP_HEADER, bool, described, frame, list, nil, str, uint } from './raw-amqp.js';

// rhea writes an empty frame every (peer idle-time-out / 2) ms without checking the value: an open
// asking for 1 ms made that connection write about 2,000 frames a second. The guard refuses an
// idle-time-out that is not a uint, and any below 100 ms except 0 (no timeout).

const openWith = (idleTimeOut: Buffer) => frame(described(0x10, list(str('client'), str('127.0.0.1'), nil, nil, idleTimeOut)));
const check = (idleTimeOut: Buffer) => new FrameGuard(65536).check(Buffer.concat([AMQP_HEADER, openWith(idleTimeOut)]));

describe('the open frame guard on idle-time-out', () => {
  test.each([
    ['true', bool(true), 'amqp:decode-error'],
    ['1', uint(1), 'amqp:invalid-field'],
    ['99', uint(99), 'amqp:invalid-field'],
  ])('refuses %s', (_name, value, condition) => {
    expect(check(value)?.condition).toBe(condition);
  });

  test.each([
    ['null', nil],
    ['0 (no timeout)', uint(0)],
    ['100', uint(100)],
    ['60000, as the SDKs ask', uint(60000)],
  ])('accepts %s', (_name, value) => {
    expect(check(value)).toBeUndefined();
  });
});
