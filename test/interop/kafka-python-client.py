"""kafka-python (pure-Python, Debian python3-kafka) against the emulator's Kafka endpoint, driven by
kafka-python.test.ts. Usage: kafka-python-client.py <json-args>; prints one JSON line."""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

args = json.loads(sys.argv[1])
common = dict(bootstrap_servers=args['bootstrap'], security_protocol='SASL_PLAINTEXT', sasl_mechanism='PLAIN',
              sasl_plain_username=args['username'], sasl_plain_password=args['password'])

result = {}
if args['command'] == 'roundtrip':
    producer = KafkaProducer(compression_type='gzip', **common)
    for n in range(3):
        producer.send(args['topic'], key=b'py', value=f'v{n}'.encode(), headers=[('n', str(n).encode())], partition=0).get(timeout=10)
    producer.close()
    consumer = KafkaConsumer(args['topic'], group_id=args['group'], auto_offset_reset='earliest', enable_auto_commit=False,
                             consumer_timeout_ms=10000, **common)
    seen = []
    for message in consumer:
        seen.append([message.partition, message.offset, message.key.decode(), message.value.decode(), {k: v.decode() for k, v in message.headers}])
        if len(seen) == 3:
            break
    consumer.commit()
    committed = consumer.committed(TopicPartition(args['topic'], 0))
    consumer.close()
    result = {'seen': seen, 'committed': committed, 'api_version': list(producer.config['api_version'] or [])}
elif args['command'] == 'wrong_password':
    try:
        KafkaProducer(**common).close()
        result = {'error': None}
    except KafkaError as error:
        result = {'error': type(error).__name__ + ': ' + str(error)}
print(json.dumps(result))
