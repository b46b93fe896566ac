import { randomUUID } from 'node:crypto';
import { ERROR } from './protocol.js';
import { Group, memberBytes, type JoinRequest, type JoinResult, type MemberBudget } from './group.js';

// The groups of the Kafka endpoint, by id, with the checks a JoinGroup passes before it reaches
// its group (group.ts): id length, session timeout bounds, protocols, caps on groups and members.

export type { GroupState, JoinRequest, JoinResult, SyncResult } from './group.js';
export { Group } from './group.js';

export interface CoordinatorLimits {
  /** Default 10 000; more groups are refused with GROUP_MAX_SIZE_REACHED. */
  maxGroups: number;
  /** Default 1000, as Kafka's group.max.size default is unbounded but a local emulator needs a bound. */
  maxMembersPerGroup: number;
  /**
   * Memory all members of all groups may take (metadata, assignments, ids, 1 KiB each at least);
   * default 128 MiB. A join or an assignment past it gets GROUP_MAX_SIZE_REACHED.
   */
  maxMemberBytes: number;
  /** group.min/max.session.timeout.ms; defaults 1 s and 30 min (Kafka: 6 s and 30 min). */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

export const MAX_GROUP_ID_LENGTH = 256;
/**
 * Protocols one member may name (clients send one to three: range, roundrobin, cooperative-sticky).
 * Checking who supports what costs members² × protocols: two members naming 80,000 each held the
 * event loop for a minute.
 */
export const MAX_PROTOCOLS_PER_MEMBER = 64;

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly budget: MemberBudget;

  constructor(readonly limits: CoordinatorLimits) {
    this.budget = { limit: limits.maxMemberBytes, bytes: 0 };
  }

  get(id: string): Group | undefined {
    return this.groups.get(id);
  }

  list(): Group[] {
    return [...this.groups.values()];
  }

  join(groupId: string, request: JoinRequest): Promise<JoinResult> {
    let group = this.groups.get(groupId);
    const memberId = request.memberId || `${request.clientId || 'member'}-${randomUUID()}`;
    const fail = (error: number): Promise<JoinResult> => Promise.resolve(new Group(groupId).failJoin(error, request.memberId));
    if (groupId.length === 0 || groupId.length > MAX_GROUP_ID_LENGTH) return fail(ERROR.INVALID_GROUP_ID);
    if (request.sessionTimeoutMs < this.limits.minSessionTimeoutMs || request.sessionTimeoutMs > this.limits.maxSessionTimeoutMs) {
      return fail(ERROR.INVALID_SESSION_TIMEOUT);
    }
    if (request.protocols.length === 0 || request.protocols.length > MAX_PROTOCOLS_PER_MEMBER || request.protocolType.length === 0) {
      return fail(ERROR.INCONSISTENT_GROUP_PROTOCOL);
    }
    // Checked before a group is made for it: a refused join leaves nothing behind.
    const added = memberBytes({ ...request, memberId }) - (group?.members.get(memberId)?.bytes ?? 0);
    if (added > 0 && this.budget.bytes + added > this.budget.limit) return fail(ERROR.GROUP_MAX_SIZE_REACHED);
    if (!group) {
      if (this.groups.size >= this.limits.maxGroups) this.evictEmptyGroup();
      if (this.groups.size >= this.limits.maxGroups) return fail(ERROR.GROUP_MAX_SIZE_REACHED);
      group = new Group(groupId, this.budget);
      this.groups.set(groupId, group);
    }
    if (request.memberId && !group.members.has(request.memberId)) return fail(ERROR.UNKNOWN_MEMBER_ID);
    // Static membership (KIP-345): a restarted member with the same group.instance.id takes over
    // from its previous incarnation instead of waiting for that one's session to expire.
    const previous = request.groupInstanceId === null ? undefined : group.memberByInstance(request.groupInstanceId);
    if (previous && previous.id !== request.memberId) group.remove(previous);
    if (!group.members.has(memberId) && group.members.size >= this.limits.maxMembersPerGroup) return fail(ERROR.GROUP_MAX_SIZE_REACHED);
    if (!group.compatible({ ...request, memberId })) return fail(ERROR.INCONSISTENT_GROUP_PROTOCOL);
    const target = group;
    // setTimeout takes at most 2^31-1 ms (longer fires at once): keep the rebalance wait within 0..maxSessionTimeoutMs.
    const rebalanceTimeoutMs = Math.min(Math.max(request.rebalanceTimeoutMs, 0), this.limits.maxSessionTimeoutMs);
    return new Promise((resolve) => target.join({ ...request, memberId, rebalanceTimeoutMs }, resolve));
  }

  /** Makes room by forgetting one group without members (its committed offsets stay in the store). */
  private evictEmptyGroup(): void {
    for (const [id, group] of this.groups) {
      if (group.members.size === 0) {
        group.close();
        this.groups.delete(id);
        return;
      }
    }
  }

  close(): void {
    for (const group of this.groups.values()) group.close();
  }
}
