import { afterEach, expect, test } from 'vitest';
import { GroupCoordinator, type JoinRequest, type SyncResult } from '../../../src/emulator/eventhubs/kafka/coordinator.js';
import { ERROR } from '../../../src/emulator/eventhubs/kafka/protocol.js';

// Consumer-group members outlive the connection that made them (until their session times out),
// so what they carry must be bounded across all groups: one client parked a 1 MB subscription in
// each of 1,000 groups and the emulator held 1 GB for the 30-minute session timeout.

const limits = { maxGroups: 100, maxMembersPerGroup: 10, maxMemberBytes: 1 << 20, minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 60_000 };
const coordinators: GroupCoordinator[] = [];
afterEach(() => {
  for (const coordinator of coordinators.splice(0)) coordinator.close();
});

function join(metadataBytes: number): JoinRequest {
  return {
    memberId: '',
    groupInstanceId: null,
    clientId: 'red',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 60_000,
    rebalanceTimeoutMs: 0,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.alloc(metadataBytes) }],
  };
}

test('members\' metadata across all groups is bounded: past maxMemberBytes a join is GROUP_MAX_SIZE_REACHED and makes no group', async () => {
  const coordinator = new GroupCoordinator(limits);
  coordinators.push(coordinator);
  expect((await coordinator.join('a', join(400_000))).error).toBe(ERROR.NONE);
  expect((await coordinator.join('b', join(400_000))).error).toBe(ERROR.NONE);
  expect((await coordinator.join('c', join(400_000))).error).toBe(ERROR.GROUP_MAX_SIZE_REACHED);
  expect(coordinator.get('c')).toBeUndefined();
  // A member that leaves gives its share back.
  const a = coordinator.get('a')!;
  a.remove([...a.members.values()][0]!);
  expect((await coordinator.join('c', join(400_000))).error).toBe(ERROR.NONE);
});

test('assignments count too: a leader\'s SyncGroup past maxMemberBytes is GROUP_MAX_SIZE_REACHED', async () => {
  const coordinator = new GroupCoordinator(limits);
  coordinators.push(coordinator);
  const sync = async (groupId: string, bytes: number): Promise<SyncResult> => {
    const joined = await coordinator.join(groupId, join(0));
    return new Promise((resolve) => coordinator.get(groupId)!.sync(joined.memberId, joined.generation, [{ memberId: joined.memberId, assignment: Buffer.alloc(bytes) }], resolve));
  };
  expect((await sync('a', 600_000)).error).toBe(ERROR.NONE);
  expect((await sync('b', 600_000)).error).toBe(ERROR.GROUP_MAX_SIZE_REACHED);
});

test('a member naming more than 64 protocols is INCONSISTENT_GROUP_PROTOCOL; 64 with one in common still elect it', async () => {
  // Two members naming 80,000 protocols each held the event loop for a minute (members² × protocols²).
  const { MAX_PROTOCOLS_PER_MEMBER } = await import('../../../src/emulator/eventhubs/kafka/coordinator.js');
  const coordinator = new GroupCoordinator({ ...limits, maxMemberBytes: 64 << 20 });
  coordinators.push(coordinator);
  const named = (prefix: string, count: number) => ({
    ...join(0),
    rebalanceTimeoutMs: 60_000,
    protocols: [...Array.from({ length: count - 1 }, (_, i) => ({ name: `${prefix}${i}`, metadata: Buffer.alloc(0) })), { name: 'common', metadata: Buffer.alloc(0) }],
  });
  expect((await coordinator.join('many', named('x', MAX_PROTOCOLS_PER_MEMBER + 1))).error).toBe(ERROR.INCONSISTENT_GROUP_PROTOCOL);
  expect(coordinator.get('many')).toBeUndefined();
  const first = await coordinator.join('g', named('a', MAX_PROTOCOLS_PER_MEMBER));
  expect(first.error).toBe(ERROR.NONE);
  // The second member makes the first rejoin; both then agree on the one protocol they share.
  const second = coordinator.join('g', named('b', MAX_PROTOCOLS_PER_MEMBER));
  const rejoin = coordinator.join('g', { ...named('a', MAX_PROTOCOLS_PER_MEMBER), memberId: first.memberId });
  const [a, b] = await Promise.all([rejoin, second]);
  expect([a.error, b.error]).toEqual([ERROR.NONE, ERROR.NONE]);
  expect(a.protocolName).toBe('common');
});
