import { KafkaWriter } from './codec.js';
import { mayUseGroups, type KafkaContext, type KafkaSession } from './context.js';
import type { JoinResult, SyncResult } from './coordinator.js';
import { ERROR } from './protocol.js';
import type { KafkaRequest } from './request.js';

// JoinGroup, SyncGroup, Heartbeat, LeaveGroup, DescribeGroups, ListGroups: parsing and answering
// per version; the group logic is in coordinator.ts. Group APIs need Listen on some hub.

function writeJoin(v: number, f: boolean, result: JoinResult): KafkaWriter {
  const writer = new KafkaWriter();
  if (v >= 2) writer.int32(0);
  writer.int16(result.error).int32(result.generation);
  if (v >= 7) writer.nullableString(result.protocolType, f).nullableString(result.protocolName, f);
  else writer.string(result.protocolName ?? '', f);
  writer.string(result.leader, f);
  if (v >= 9) writer.bool(false);
  writer.string(result.memberId, f);
  writer.array(result.members, f, (w, member) => {
    w.string(member.memberId, f);
    if (v >= 5) w.nullableString(member.groupInstanceId, f);
    w.nullableBytes(member.metadata, f);
  });
  return writer.tags(f);
}

export async function joinGroup(request: KafkaRequest, session: KafkaSession, context: KafkaContext): Promise<KafkaWriter> {
  const { body, version: v, flexible: f } = request;
  const groupId = body.string(f);
  const sessionTimeoutMs = body.int32();
  const rebalanceTimeoutMs = v >= 1 ? body.int32() : sessionTimeoutMs;
  const memberId = body.string(f);
  const groupInstanceId = v >= 5 ? body.nullableString(f) : null;
  const protocolType = body.string(f);
  const protocols = body.array(f, (r) => ({ name: r.string(f), metadata: Buffer.from(r.bytes(f)) }), 2);
  if (!mayUseGroups(session, context.namespace)) {
    return writeJoin(v, f, { error: ERROR.GROUP_AUTHORIZATION_FAILED, generation: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] });
  }
  const result = await context.coordinator.join(groupId, {
    memberId,
    groupInstanceId,
    clientId: session.clientId,
    clientHost: session.clientHost,
    sessionTimeoutMs,
    rebalanceTimeoutMs,
    protocolType,
    protocols,
  });
  return writeJoin(v, f, result);
}

export async function syncGroup(request: KafkaRequest, session: KafkaSession, context: KafkaContext): Promise<KafkaWriter> {
  const { body, version: v, flexible: f } = request;
  const groupId = body.string(f);
  const generation = body.int32();
  const memberId = body.string(f);
  if (v >= 3) body.nullableString(f);
  if (v >= 5) {
    body.nullableString(f);
    body.nullableString(f);
  }
  const assignments = body.array(f, (r) => ({ memberId: r.string(f), assignment: Buffer.from(r.bytes(f)) }), 2);
  const group = context.coordinator.get(groupId);
  let result: SyncResult;
  if (!mayUseGroups(session, context.namespace)) {
    result = { error: ERROR.GROUP_AUTHORIZATION_FAILED, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  } else if (!group) {
    result = { error: ERROR.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
  } else {
    result = await new Promise<SyncResult>((resolve) => group.sync(memberId, generation, assignments, resolve));
  }
  const writer = new KafkaWriter();
  if (v >= 1) writer.int32(0);
  writer.int16(result.error);
  if (v >= 5) writer.nullableString(result.protocolType, f).nullableString(result.protocolName, f);
  writer.nullableBytes(result.assignment, f);
  return writer.tags(f);
}

export function heartbeat(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const groupId = body.string(f);
  const generation = body.int32();
  const memberId = body.string(f);
  const group = context.coordinator.get(groupId);
  const error = !mayUseGroups(session, context.namespace)
    ? ERROR.GROUP_AUTHORIZATION_FAILED
    : group
      ? group.check(memberId, generation, false)
      : ERROR.UNKNOWN_MEMBER_ID;
  const writer = new KafkaWriter();
  if (v >= 1) writer.int32(0);
  return writer.int16(error).tags(f);
}

export function leaveGroup(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const groupId = body.string(f);
  const leaving =
    v >= 3
      ? body.array(f, (r) => {
          const memberId = r.string(f);
          const groupInstanceId = r.nullableString(f);
          if (v >= 5) r.nullableString(f);
          return { memberId, groupInstanceId };
        }, 2)
      : [{ memberId: body.string(f), groupInstanceId: null }];
  const group = context.coordinator.get(groupId);
  const permitted = mayUseGroups(session, context.namespace);
  const results = leaving.map((entry) => {
    // Static members may leave by group.instance.id alone (KIP-345).
    const member =
      group?.members.get(entry.memberId) ?? (entry.memberId === '' && entry.groupInstanceId !== null ? group?.memberByInstance(entry.groupInstanceId) : undefined);
    if (!permitted) return { ...entry, error: ERROR.GROUP_AUTHORIZATION_FAILED };
    if (!group || !member) return { ...entry, error: ERROR.UNKNOWN_MEMBER_ID };
    group.remove(member);
    return { ...entry, error: ERROR.NONE };
  });
  const writer = new KafkaWriter();
  if (v >= 1) writer.int32(0);
  const topError = !permitted ? ERROR.GROUP_AUTHORIZATION_FAILED : v < 3 ? (results[0]?.error ?? ERROR.NONE) : ERROR.NONE;
  writer.int16(topError);
  if (v >= 3) {
    writer.array(results, f, (w, entry) => w.string(entry.memberId, f).nullableString(entry.groupInstanceId, f).int16(entry.error));
  }
  return writer.tags(f);
}

export function describeGroups(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const ids = body.array(f, (r) => r.string(f), 1, false);
  const permitted = mayUseGroups(session, context.namespace);
  const writer = new KafkaWriter();
  if (v >= 1) writer.int32(0);
  writer.array(ids, f, (w, id) => {
    const group = permitted ? context.coordinator.get(id) : undefined;
    const described = group?.describe();
    w.int16(permitted ? ERROR.NONE : ERROR.GROUP_AUTHORIZATION_FAILED).string(id, f);
    w.string(described?.state ?? 'Dead', f).string(group?.protocolType ?? '', f).string(group?.protocolName ?? '', f);
    w.array(described?.members ?? [], f, (mw, member) => {
      mw.string(member.id, f);
      if (v >= 4) mw.nullableString(member.groupInstanceId, f);
      mw.string(member.clientId, f).string(member.clientHost, f);
      mw.nullableBytes(member.protocols.find((protocol) => protocol.name === group!.protocolName)?.metadata ?? Buffer.alloc(0), f);
      mw.nullableBytes(member.assignment, f);
    });
    if (v >= 3) w.int32(-2147483648);
  });
  return writer.tags(f);
}

export function listGroups(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const states = v >= 4 ? body.array(f, (r) => r.string(f), 1, false) : [];
  const permitted = mayUseGroups(session, context.namespace);
  const groups = (permitted ? context.coordinator.list() : []).filter(
    (group) => states.length === 0 || states.some((state) => state.toLowerCase() === group.state.toLowerCase()),
  );
  const writer = new KafkaWriter();
  if (v >= 1) writer.int32(0);
  writer.int16(permitted ? ERROR.NONE : ERROR.GROUP_AUTHORIZATION_FAILED);
  writer.array(groups, f, (w, group) => {
    w.string(group.id, f).string(group.protocolType ?? '', f);
    if (v >= 4) w.string(group.state, f);
  });
  return writer.tags(f);
}
