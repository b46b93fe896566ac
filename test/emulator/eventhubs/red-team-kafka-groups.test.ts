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
