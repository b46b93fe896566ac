import { ERROR } from './protocol.js';

// One consumer group of the classic protocol (https://cwiki.apache.org/confluence/display/KAFKA/Kafka+Client-side+Assignment+Proposal):
// members JoinGroup, the coordinator waits until every known member has rejoined (or the
// rebalance timeout passed, dropping those that did not), picks a protocol all members support,
// bumps the generation and makes one member leader; the leader computes the assignment (range,
// roundrobin, … — the client's business) and hands it over in SyncGroup. Heartbeats keep a member
// alive; one silent for its session timeout is removed and the rest rebalance.

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface JoinResult {
  error: number;
  generation: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  error: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

interface Member {
  id: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Array<{ name: string; metadata: Buffer }>;
  /** The names of `protocols`, for the every-member checks (a scan per check made them quadratic). */
  protocolNames: ReadonlySet<string>;
  assignment: Buffer;
  pendingJoin: ((result: JoinResult) => void) | undefined;
  pendingSync: ((result: SyncResult) => void) | undefined;
  sessionTimer: ReturnType<typeof setTimeout> | undefined;
  /** What this member counts against the coordinator's MemberBudget. */
  bytes: number;
}

/**
 * The memory every group's members may take together (coordinator.ts's maxMemberBytes). A member
 * lives for its session timeout with no connection behind it, so without this one client could
 * park a 1 MB subscription in each of 10,000 groups (10 GB).
 */
export interface MemberBudget {
  readonly limit: number;
  bytes: number;
}

/** A member object, its timer and its map entry, beyond the bytes it carries. */
const MEMBER_OVERHEAD = 1024;
const PROTOCOL_OVERHEAD = 64;

/** What a member with these fields costs to keep. */
export function memberBytes(member: {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  protocols: ReadonlyArray<{ name: string; metadata: Buffer }>;
  assignment?: Buffer;
}): number {
  let bytes = MEMBER_OVERHEAD + 2 * (member.memberId.length + (member.groupInstanceId?.length ?? 0) + member.clientId.length + member.clientHost.length);
  for (const protocol of member.protocols) bytes += PROTOCOL_OVERHEAD + 2 * protocol.name.length + protocol.metadata.length;
  return bytes + (member.assignment?.length ?? 0);
}

export interface JoinRequest {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Array<{ name: string; metadata: Buffer }>;
}

const EMPTY: Buffer = Buffer.alloc(0);

export class Group {
  state: GroupState = 'Empty';
  generation = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leader = '';
  readonly members = new Map<string, Member>();
  private rebalanceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    private readonly budget: MemberBudget = { limit: Number.POSITIVE_INFINITY, bytes: 0 },
  ) {}

  /** Re-counts a member after its protocols or assignment changed. */
  private account(member: Member): void {
    const bytes = memberBytes({ ...member, memberId: member.id });
    this.budget.bytes += bytes - member.bytes;
    member.bytes = bytes;
  }

  private forget(member: Member): void {
    clearTimeout(member.sessionTimer);
    this.members.delete(member.id);
    this.budget.bytes -= member.bytes;
  }

  private startSession(member: Member): void {
    clearTimeout(member.sessionTimer);
    member.sessionTimer = setTimeout(() => this.expire(member.id), member.sessionTimeoutMs);
    member.sessionTimer.unref?.();
  }

  private expire(memberId: string): void {
    const member = this.members.get(memberId);
    // A member waiting in JoinGroup is alive; the rebalance timeout judges it instead.
    if (!member || member.pendingJoin) return;
    this.remove(member);
  }

  memberByInstance(groupInstanceId: string): Member | undefined {
    return [...this.members.values()].find((member) => member.groupInstanceId === groupInstanceId);
  }

  touch(memberId: string): void {
    const member = this.members.get(memberId);
    if (member && !member.pendingJoin) this.startSession(member);
  }

  remove(member: Member): void {
    this.forget(member);
    member.pendingJoin?.(this.failJoin(ERROR.UNKNOWN_MEMBER_ID, member.id));
    member.pendingSync?.({ error: ERROR.UNKNOWN_MEMBER_ID, protocolType: this.protocolType, protocolName: this.protocolName, assignment: EMPTY });
    if (this.leader === member.id) this.leader = '';
    if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
    else this.prepareRebalance();
  }

  failJoin(error: number, memberId: string): JoinResult {
    return { error, generation: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
  }

  private supportsAll(name: string): boolean {
    for (const member of this.members.values()) if (!member.protocolNames.has(name)) return false;
    return true;
  }

  /** True when a member with these protocols could join: same type and one protocol in common. */
  compatible(request: JoinRequest): boolean {
    if (this.members.size === 0 || (this.members.size === 1 && this.members.has(request.memberId))) return true;
    if (this.protocolType !== null && request.protocolType !== this.protocolType) return false;
    return request.protocols.some((protocol) => this.supportsAll(protocol.name));
  }

  join(request: JoinRequest, respond: (result: JoinResult) => void): void {
    let member = this.members.get(request.memberId);
    if (!member) {
      member = {
        id: request.memberId,
        groupInstanceId: request.groupInstanceId,
        clientId: request.clientId,
        clientHost: request.clientHost,
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        protocols: request.protocols,
        protocolNames: new Set(),
        assignment: EMPTY,
        pendingJoin: undefined,
        pendingSync: undefined,
        sessionTimer: undefined,
        bytes: 0,
      };
      this.members.set(member.id, member);
    }
    member.pendingJoin?.(this.failJoin(ERROR.UNKNOWN_MEMBER_ID, member.id));
    member.protocols = request.protocols;
    member.protocolNames = new Set(request.protocols.map((protocol) => protocol.name));
    this.account(member);
    member.sessionTimeoutMs = request.sessionTimeoutMs;
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs;
    member.pendingJoin = respond;
    clearTimeout(member.sessionTimer);
    if (this.protocolType === null || this.members.size === 1) this.protocolType = request.protocolType;
    if (this.state !== 'PreparingRebalance') this.prepareRebalance();
    else this.maybeCompleteJoin();
  }

  private prepareRebalance(): void {
    if (this.members.size === 0) {
      this.toEmpty();
      return;
    }
    for (const member of this.members.values()) {
      member.pendingSync?.({ error: ERROR.REBALANCE_IN_PROGRESS, protocolType: this.protocolType, protocolName: this.protocolName, assignment: EMPTY });
      member.pendingSync = undefined;
    }
    this.state = 'PreparingRebalance';
    clearTimeout(this.rebalanceTimer);
    const timeout = Math.max(...[...this.members.values()].map((member) => member.rebalanceTimeoutMs));
    this.rebalanceTimer = setTimeout(() => this.completeJoin(), timeout);
    this.rebalanceTimer.unref?.();
    this.maybeCompleteJoin();
  }

  private toEmpty(): void {
    clearTimeout(this.rebalanceTimer);
    this.state = 'Empty';
    this.generation++;
    this.protocolName = null;
    this.protocolType = null;
    this.leader = '';
  }

  private maybeCompleteJoin(): void {
    if ([...this.members.values()].every((member) => member.pendingJoin)) this.completeJoin();
  }

  private completeJoin(): void {
    clearTimeout(this.rebalanceTimer);
    for (const member of [...this.members.values()]) {
      if (!member.pendingJoin) this.forget(member);
    }
    if (this.members.size === 0) {
      this.toEmpty();
      return;
    }
    const members = [...this.members.values()];
    // Each member votes for the first of its protocols that every member supports.
    const votes = new Map<string, number>();
    for (const member of members) {
      const choice = member.protocols.find((protocol) => this.supportsAll(protocol.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    this.protocolName = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
    this.generation++;
    if (!this.members.has(this.leader)) this.leader = members[0]!.id;
    this.state = 'CompletingRebalance';
    for (const member of members) {
      member.assignment = EMPTY;
      this.account(member);
      const respond = member.pendingJoin!;
      member.pendingJoin = undefined;
      this.startSession(member);
      respond({
        error: ERROR.NONE,
        generation: this.generation,
        protocolType: this.protocolType,
        protocolName: this.protocolName,
        leader: this.leader,
        memberId: member.id,
        members:
          member.id === this.leader
            ? members.map((m) => ({
                memberId: m.id,
                groupInstanceId: m.groupInstanceId,
                metadata: m.protocols.find((protocol) => protocol.name === this.protocolName)?.metadata ?? EMPTY,
              }))
            : [],
      });
    }
  }

  sync(memberId: string, generation: number, assignments: Array<{ memberId: string; assignment: Buffer }>, respond: (result: SyncResult) => void): void {
    const reply = (error: number, assignment = EMPTY): void => respond({ error, protocolType: this.protocolType, protocolName: this.protocolName, assignment });
    const member = this.members.get(memberId);
    if (!member) return reply(ERROR.UNKNOWN_MEMBER_ID);
    if (generation !== this.generation) return reply(ERROR.ILLEGAL_GENERATION);
    this.startSession(member);
    if (this.state === 'PreparingRebalance') return reply(ERROR.REBALANCE_IN_PROGRESS);
    if (this.state === 'Stable') return reply(ERROR.NONE, member.assignment);
    member.pendingSync = (result) => respond(result);
    if (memberId !== this.leader) return;
    const given = new Map(assignments.map((entry) => [entry.memberId, entry.assignment]));
    let added = 0;
    for (const each of this.members.values()) added += (given.get(each.id)?.length ?? 0) - each.assignment.length;
    if (added > 0 && this.budget.bytes + added > this.budget.limit) {
      member.pendingSync = undefined;
      return reply(ERROR.GROUP_MAX_SIZE_REACHED);
    }
    this.state = 'Stable';
    for (const each of this.members.values()) {
      each.assignment = given.get(each.id) ?? EMPTY;
      this.account(each);
      const pending = each.pendingSync;
      each.pendingSync = undefined;
      pending?.({ error: ERROR.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment: each.assignment });
    }
  }

  /** The error a heartbeat or an offset commit from this member and generation gets. */
  check(memberId: string, generation: number, forCommit: boolean): number {
    if (!this.members.has(memberId)) return ERROR.UNKNOWN_MEMBER_ID;
    if (generation !== this.generation) return ERROR.ILLEGAL_GENERATION;
    this.touch(memberId);
    if (!forCommit && this.state === 'PreparingRebalance') return ERROR.REBALANCE_IN_PROGRESS;
    if (forCommit && this.state === 'CompletingRebalance') return ERROR.REBALANCE_IN_PROGRESS;
    return ERROR.NONE;
  }

  describe(): { state: string; members: Member[] } {
    const state = { Empty: 'Empty', PreparingRebalance: 'PreparingRebalance', CompletingRebalance: 'CompletingRebalance', Stable: 'Stable' }[this.state];
    return { state, members: [...this.members.values()] };
  }

  close(): void {
    clearTimeout(this.rebalanceTimer);
    for (const member of [...this.members.values()]) this.forget(member);
  }
}
