"""librdkafka (python3-confluent-kafka) against the emulator's Kafka endpoint, driven by
kafka-librdkafka.test.ts. Usage: kafka-confluent.py <command> <json-args>; prints one JSON line."""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition


def config(args, **extra):
    base = {
        'bootstrap.servers': args['bootstrap'],
        'security.protocol': args.get('protocol', 'SASL_PLAINTEXT'),
        'sasl.mechanisms': 'PLAIN',
        'sasl.username': args['username'],
        'sasl.password': args['password'],
    }
    if 'ca' in args:
        base['ssl.ca.location'] = args['ca']
    base.update(extra)
    return base


def produce(args):
    errors = []
    producer = Producer(config(args, **{'compression.type': args.get('compression', 'none'), 'enable.idempotence': args.get('idempotent', False)}))
    for item in args['messages']:
        producer.produce(args['topic'], value=item['value'].encode(), key=item.get('key', '').encode() or None,
                         partition=item.get('partition', -1), headers=list(item.get('headers', {}).items()),
                         on_delivery=lambda err, msg: errors.append(str(err)) if err else None)
    left = producer.flush(15)
    return {'errors': errors, 'unflushed': left}


def consume(args):
    consumer = Consumer(config(args, **{
        'group.id': args['group'],
        'auto.offset.reset': 'earliest',
        'enable.auto.commit': False,
        'session.timeout.ms': 6000,
        'heartbeat.interval.ms': 500,
    }))
    consumer.subscribe([args['topic']])
    seen = []
    deadline = time.time() + args.get('seconds', 20)
    while len(seen) < args['count'] and time.time() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        if message.error():
            raise KafkaException(message.error())
        seen.append({
            'partition': message.partition(),
            'offset': message.offset(),
            'key': message.key().decode() if message.key() is not None else None,
            'value': message.value().decode(),
            'headers': {k: v.decode() for k, v in (message.headers() or [])},
        })
        if args.get('commit'):
            consumer.commit(message=message, asynchronous=False)
    consumer.close()
    return {'messages': seen}


def committed(args):
    consumer = Consumer(config(args, **{'group.id': args['group']}))
    partitions = [TopicPartition(args['topic'], p) for p in args['partitions']]
    result = consumer.committed(partitions, timeout=10)
    consumer.close()
    return {'offsets': [tp.offset for tp in result]}


def group(args):
    def member():
        return Consumer(config(args, **{
            'group.id': args['group'],
            'session.timeout.ms': 6000,
            'heartbeat.interval.ms': 200,
            'partition.assignment.strategy': args.get('strategy', 'range'),
        }))
    a, b = member(), member()
    a.subscribe([args['topic']])
    b.subscribe([args['topic']])
    total = args['partitions']
    deadline = time.time() + 30
    while time.time() < deadline:
        a.poll(0.05)
        b.poll(0.05)
        if a.assignment() and b.assignment() and len(a.assignment()) + len(b.assignment()) == total:
            break
    together = [sorted(tp.partition for tp in a.assignment()), sorted(tp.partition for tp in b.assignment())]
    b.close()
    while time.time() < deadline:
        a.poll(0.05)
        if len(a.assignment()) == total:
            break
    alone = sorted(tp.partition for tp in a.assignment())
    a.close()
    return {'together': together, 'alone': alone}


def wrong_password(args):
    failures = []
    consumer = Consumer(config(args, **{'group.id': 'refused', 'error_cb': lambda err: failures.append(err.name())}))
    deadline = time.time() + 5
    while not failures and time.time() < deadline:
        consumer.poll(0.05)
    try:
        consumer.list_topics(timeout=0.5)
        listed = True
    except KafkaException as error:
        listed = False
        failures.append(error.args[0].name())
    consumer.close()
    return {'listed': listed, 'errors': sorted(set(failures))}


if __name__ == '__main__':
    command, raw = sys.argv[1], sys.argv[2]
    print(json.dumps({'produce': produce, 'consume': consume, 'group': group, 'committed': committed, 'wrong_password': wrong_password}[command](json.loads(raw))))
