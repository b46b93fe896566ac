import { KafkaWriter } from './codec.js';
import { allowed, hubByTopicId, topicId, type KafkaContext, type KafkaSession } from './context.js';
import { API, ERROR, NODE_ID, SUPPORTED } from './protocol.js';
import type { KafkaRequest } from './request.js';

// ApiVersions, Metadata, FindCoordinator and InitProducerId: the emulator is a one-broker
// cluster (node 0 leads every partition), its cluster id the namespace name.

/** Any version gets an answer; above our maximum it is v0 with UNSUPPORTED_VERSION, as brokers do (KIP-511). */
export function apiVersions(request: KafkaRequest): KafkaWriter {
  const range = SUPPORTED.get(API.ApiVersions)!;
  const supported = request.version <= range.max;
  const version = supported ? request.version : 0;
  const flexible = supported && request.flexible;
  const writer = new KafkaWriter();
  writer.int16(supported ? ERROR.NONE : ERROR.UNSUPPORTED_VERSION);
  writer.array([...SUPPORTED], flexible, (w, [key, versions]) => w.int16(key).int16(versions.min).int16(versions.max));
  if (version >= 1) writer.int32(0);
  return writer.tags(flexible);
}

const UNKNOWN_AUTHORIZED_OPERATIONS = -2147483648;

export function metadata(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  const asked = body.nullableArray(f, (r) => {
    // v10+: a topic may be named by id alone (KIP-516).
    const id = v >= 10 ? Buffer.from(r.uuid()) : undefined;
    const name = v >= 10 ? r.nullableString(f) : r.string(f);
    return name ?? (id && hubByTopicId(context.namespace, id)?.name) ?? '';
  }, 2);
  // v0: an empty list means every topic; v1+: null means every topic.
  const all = asked === null || (v === 0 && asked.length === 0);
  const visible = context.namespace.hubNames().filter((name) => allowed(session, name, 'Send') || allowed(session, name, 'Listen'));
  const names = all ? visible : asked;
  const writer = new KafkaWriter();
  if (v >= 3) writer.int32(0);
  writer.array([NODE_ID], f, (w) => {
    w.int32(NODE_ID).string(context.advertisedHost, f).int32(context.advertisedPort());
    if (v >= 1) w.nullableString(null, f);
  });
  if (v >= 2) writer.nullableString(context.namespace.name, f);
  if (v >= 1) writer.int32(NODE_ID);
  writer.array(names, f, (w, name) => {
    const hub = context.namespace.hub(name);
    const permitted = hub && (allowed(session, hub, 'Send') || allowed(session, hub, 'Listen'));
    const error = !hub ? ERROR.UNKNOWN_TOPIC_OR_PARTITION : permitted ? ERROR.NONE : ERROR.TOPIC_AUTHORIZATION_FAILED;
    // Hub names match case-insensitively; the answer names the topic as the client asked for it.
    w.int16(error).string(name, f);
    if (v >= 10) w.raw(hub ? topicId(hub.name) : Buffer.alloc(16));
    if (v >= 1) w.bool(false);
    w.array(error === ERROR.NONE ? hub!.partitions : [], f, (pw, partition) => {
      pw.int16(ERROR.NONE).int32(Number(partition.id)).int32(NODE_ID);
      if (v >= 7) pw.int32(0);
      pw.array([NODE_ID], f, (aw, id) => aw.int32(id), false);
      pw.array([NODE_ID], f, (aw, id) => aw.int32(id), false);
      if (v >= 5) pw.array([], f, () => undefined, false);
    });
    if (v >= 8) w.int32(UNKNOWN_AUTHORIZED_OPERATIONS);
  });
  if (v >= 8 && v <= 10) writer.int32(UNKNOWN_AUTHORIZED_OPERATIONS);
  return writer.tags(f);
}

const GROUP_KEY = 0;

export function findCoordinator(request: KafkaRequest, _session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, version: v, flexible: f } = request;
  let keys: string[];
  let keyType = GROUP_KEY;
  if (v >= 4) {
    keyType = body.int8();
    keys = body.array(f, (r) => r.string(f), 1, false);
  } else {
    keys = [body.string(f)];
    if (v >= 1) keyType = body.int8();
  }
  // Transactions are not offered (as on the service's standard tier), so no transaction coordinator.
  const error = keyType === GROUP_KEY ? ERROR.NONE : ERROR.COORDINATOR_NOT_AVAILABLE;
  const message = error === ERROR.NONE ? null : 'transactions are not supported by the Event Hubs emulator';
  const writer = new KafkaWriter();
  if (v >= 1) writer.int32(0);
  if (v >= 4) {
    writer.array(keys, f, (w, key) => {
      w.string(key, f).int32(NODE_ID).string(context.advertisedHost, f).int32(context.advertisedPort()).int16(error).nullableString(message, f);
    });
  } else {
    writer.int16(error);
    if (v >= 1) writer.nullableString(message, f);
    writer.int32(NODE_ID).string(context.advertisedHost, f).int32(context.advertisedPort());
  }
  return writer.tags(f);
}

export function initProducerId(request: KafkaRequest, session: KafkaSession, context: KafkaContext): KafkaWriter {
  const { body, flexible: f } = request;
  const transactionalId = body.nullableString(f);
  const writer = new KafkaWriter().int32(0);
  const mayProduce = context.namespace.hubNames().some((hub) => allowed(session, hub, 'Send'));
  if (transactionalId !== null) {
    writer.int16(ERROR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED).int64(-1).int16(-1);
  } else if (!mayProduce) {
    writer.int16(ERROR.CLUSTER_AUTHORIZATION_FAILED).int64(-1).int16(-1);
  } else {
    writer.int16(ERROR.NONE).int64(context.producerIds.allocate()).int16(0);
  }
  return writer.tags(f);
}
