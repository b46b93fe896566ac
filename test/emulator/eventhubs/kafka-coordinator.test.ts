import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { GroupCoordinator, type JoinRequest, type JoinResult } from '../../../src/emulator/eventhubs/kafka/coordinator.js';

// The consumer-group coordinator on its own, on fake timers: generations, waiting for rejoins up
// to the rebalance timeout, session expiry, and the leader's assignment reaching every member.

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const limits = { maxGroups: 10, maxMembersPerGroup: 3, maxMemberBytes: 1 << 20, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 60_000 };

function request(memberId = '', protocols = ['range']): JoinRequest {
  return {
    memberId,
    groupInstanceId: null,
    clientId: 'test',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 3000,
    rebalanceTimeoutMs: 5000,
    protocolType: 'consumer',
    protocols: protocols.map((name) => ({ name, metadata: Buffer.from(name) })),
  };
}

async function settle<T>(promise: Promise<T>): Promise<T> {
  await vi.advanceTimersByTimeAsync(0);
  return promise;
}

test('the second member triggers a rebalance; the first learns it by heartbeat and both join generation 2', async () => {
  const coordinator = new GroupCoordinator(limits);
  const one = await settle(coordinator.join('g', request()));
  expect(one).toMatchObject({ error: 0, generation: 1, protocolName: 'range' });
  expect(one.leader).toBe(one.memberId);
  const group = coordinator.get('g')!;

  const twoJoining = coordinator.join('g', request());
  await vi.advanceTimersByTimeAsync(0);
  expect(group.state).toBe('PreparingRebalance');
  expect(group.check(one.memberId, 1, false)).toBe(27);
  const oneAgain = coordinator.join('g', request(one.memberId));
  const [two, rejoined] = await Promise.all([twoJoining, oneAgain]);
  expect(rejoined.generation).toBe(2);
  expect(two.generation).toBe(2);
  expect(rejoined.members.map((m) => m.memberId).sort()).toEqual([one.memberId, two.memberId].sort());
  expect(two.members).toEqual([]);

  const follower = new Promise((resolve) => group.sync(two.memberId, 2, [], resolve));
  const leader = new Promise((resolve) =>
    group.sync(one.memberId, 2, [{ memberId: one.memberId, assignment: Buffer.from('A') }, { memberId: two.memberId, assignment: Buffer.from('B') }], resolve),
  );
  expect(await follower).toMatchObject({ error: 0, assignment: Buffer.from('B') });
  expect(await leader).toMatchObject({ error: 0, assignment: Buffer.from('A') });
  expect(group.state).toBe('Stable');
});

test('a member that stops heartbeating expires after its session timeout and the rest rebalance', async () => {
  const coordinator = new GroupCoordinator(limits);
  const one = await settle(coordinator.join('g', request()));
  const group = coordinator.get('g')!;
  const twoJoining = coordinator.join('g', request());
  const [two] = await Promise.all([twoJoining, coordinator.join('g', request(one.memberId))]);
  group.sync(one.memberId, 2, [], () => undefined);
  group.sync(two.memberId, 2, [], () => undefined);
  // Only the first member keeps heartbeating.
  for (let elapsed = 0; elapsed < 3000; elapsed += 1000) {
    expect(group.check(one.memberId, 2, false)).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
  }
  await vi.advanceTimersByTimeAsync(500);
  expect(group.members.has(two.memberId)).toBe(false);
  expect(group.members.has(one.memberId)).toBe(true);
  expect(group.check(one.memberId, 2, false)).toBe(27);
  const alone = await settle(coordinator.join('g', request(one.memberId)));
  expect(alone).toMatchObject({ error: 0, generation: 3 });
  expect(alone.members.map((m) => m.memberId)).toEqual([one.memberId]);
});

test('members that do not rejoin within the rebalance timeout are dropped from the new generation', async () => {
  const coordinator = new GroupCoordinator(limits);
  const one = await settle(coordinator.join('g', request()));
  const group = coordinator.get('g')!;
  const [two] = await Promise.all([coordinator.join('g', request()), coordinator.join('g', request(one.memberId))]);
  group.sync(one.memberId, 2, [], () => undefined);
  group.sync(two.memberId, 2, [], () => undefined);
  // A third member joins; only it and the first rejoin, the second stays silent past 5 s.
  let result: JoinResult | undefined;
  void coordinator.join('g', request()).then((r) => (result = r));
  void coordinator.join('g', request(one.memberId));
  group.touch(two.memberId);
  await vi.advanceTimersByTimeAsync(5001);
  expect(result).toMatchObject({ error: 0, generation: 3 });
  expect(group.members.has(two.memberId)).toBe(false);
  expect(group.members.size).toBe(2);
});

test('inconsistent protocols, bad session timeouts, long group ids and full groups are refused', async () => {
  const coordinator = new GroupCoordinator(limits);
  await settle(coordinator.join('g', request('', ['range'])));
  expect((await coordinator.join('g', request('', ['roundrobin']))).error).toBe(23);
  expect((await coordinator.join('g', { ...request(), sessionTimeoutMs: 10 })).error).toBe(26);
  expect((await coordinator.join('x'.repeat(257), request())).error).toBe(24);
  expect((await coordinator.join('g', request('no-such-member'))).error).toBe(25);
  void coordinator.join('g', request());
  void coordinator.join('g', request());
  expect((await coordinator.join('g', request())).error).toBe(81);
  coordinator.close();
});

test('a rebalance timeout beyond what setTimeout takes still waits for the other members', async () => {
  const coordinator = new GroupCoordinator(limits);
  const one = await settle(coordinator.join('g', request()));
  coordinator.get('g')!.sync(one.memberId, 1, [], () => undefined);
  let second: JoinResult | undefined;
  void coordinator.join('g', { ...request(), rebalanceTimeoutMs: 2 ** 40 }).then((result) => (second = result));
  await vi.advanceTimersByTimeAsync(1000);
  // The first member has not rejoined yet, so the new generation must not have formed.
  expect(second).toBeUndefined();
  coordinator.close();
});

test('a static member rejoining with the same group.instance.id replaces its previous incarnation', async () => {
  const coordinator = new GroupCoordinator(limits);
  const before = await settle(coordinator.join('g', { ...request(), groupInstanceId: 'worker-1' }));
  const group = coordinator.get('g')!;
  group.sync(before.memberId, before.generation, [], () => undefined);
  const after = await settle(coordinator.join('g', { ...request(), groupInstanceId: 'worker-1' }));
  expect(after.error).toBe(0);
  expect(after.memberId).not.toBe(before.memberId);
  expect([...group.members.keys()]).toEqual([after.memberId]);
  coordinator.close();
});
