"""Python's azure-eventhub (pure-Python AMQP stack) against the Event Hubs emulator.

Usage: eventhubs_peer.py <scenario> <port> <connection-string> <ca-file> [<blob-connection-string>]
Prints one JSON line with what happened; exit code 1 on an unexpected exception.

How the SDK is pointed at the emulator: azure-eventhub 5.11 keeps the connection string's host
but not its port, and always dials amqps://{host}:5671 (TLS, verified against `connection_verify`).
- TCP (sync scenario): the emulator runs with TLS; its certificate is passed as
  `connection_verify`, and this process resolves {host}:5671 to the emulator's port, as a hosts
  entry plus a port forward would.
- WebSocket (async and sync-websocket scenarios): `custom_endpoint_address="sb://127.0.0.1:<port>"`
  makes the SDK dial wss://127.0.0.1:<port>/$servicebus/websocket, which the emulator serves on the
  same port (the sync client's WebSocket is websocket-client, Debian python3-websocket).
"""
import asyncio
import json
import socket
import sys
import threading
import time

SCENARIO, PORT, CONNECTION_STRING, CA_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
BLOB_CONNECTION_STRING = sys.argv[5] if len(sys.argv) > 5 else None
HUB = "eh1"
AMQPS_PORT = 5671


def dial_emulator_for_amqps():
    original = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if port in (AMQPS_PORT, str(AMQPS_PORT)):
            port = PORT
        return original(host, port, *args, **kwargs)

    socket.getaddrinfo = resolve


def sync_scenario(result):
    from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient

    dial_emulator_for_amqps()
    producer = EventHubProducerClient.from_connection_string(
        CONNECTION_STRING, eventhub_name=HUB, connection_verify=CA_FILE, retry_total=0)
    with producer:
        result["eventhub_properties"] = producer.get_eventhub_properties()
        for label, options in (("no-key", {}), ("key", {"partition_key": "device-7"}), ("partition", {"partition_id": "2"})):
            batch = producer.create_batch(**options)
            for n in range(3):
                batch.add(EventData(f"{label}-{n}"))
            producer.send_batch(batch)
        # A partition key always lands on one partition.
        batch = producer.create_batch(partition_key="device-7")
        batch.add(EventData("key-again"))
        producer.send_batch(batch)
        result["partition_properties"] = [producer.get_partition_properties(pid) for pid in producer.get_partition_ids()]

    consumer = EventHubConsumerClient.from_connection_string(
        CONNECTION_STRING, consumer_group="$Default", eventhub_name=HUB, connection_verify=CA_FILE, retry_total=0)
    received = []
    done = threading.Event()

    def on_event(context, event):
        if event is None:
            return
        received.append({"body": event.body_as_str(), "partition": context.partition_id,
                         "seq": event.sequence_number, "offset": event.offset})
        if len(received) >= 10:
            done.set()

    worker = threading.Thread(target=lambda: consumer.receive(on_event=on_event, starting_position="-1", max_wait_time=1))
    worker.start()
    done.wait(20)
    consumer.close()
    worker.join(10)
    result["received"] = received


def sync_websocket_scenario(result):
    from azure.eventhub import EventData, EventHubConsumerClient, EventHubProducerClient, TransportType

    partition = "3"
    endpoint = {"custom_endpoint_address": f"sb://127.0.0.1:{PORT}", "connection_verify": CA_FILE,
                "retry_total": 0, "transport_type": TransportType.AmqpOverWebsocket}
    producer = EventHubProducerClient.from_connection_string(CONNECTION_STRING, eventhub_name=HUB, **endpoint)
    with producer:
        result["eventhub_properties"] = producer.get_eventhub_properties()
        result["before"] = producer.get_partition_properties(partition)
        batch = producer.create_batch(partition_id=partition)
        for n in range(3):
            event = EventData(f"ws-{n}")
            event.properties = {"n": n, "transport": "websocket"}
            batch.add(event)
        producer.send_batch(batch)
        result["after"] = producer.get_partition_properties(partition)

    # Read from just after what the partition held before: exactly the three events sent above.
    consumer = EventHubConsumerClient.from_connection_string(
        CONNECTION_STRING, consumer_group="$Default", eventhub_name=HUB, **endpoint)
    received = []
    done = threading.Event()

    def on_event(context, event):
        if event is None:
            return
        properties = {key.decode() if isinstance(key, bytes) else key: value.decode() if isinstance(value, bytes) else value
                      for key, value in (event.properties or {}).items()}
        received.append({"body": event.body_as_str(), "partition": context.partition_id,
                         "seq": event.sequence_number, "properties": properties})
        if len(received) >= 3:
            done.set()

    start = result["before"]["last_enqueued_sequence_number"]
    worker = threading.Thread(target=lambda: consumer.receive(
        on_event=on_event, partition_id=partition, starting_position=start, starting_position_inclusive=False, max_wait_time=1))
    worker.start()
    done.wait(20)
    consumer.close()
    worker.join(10)
    result["received"] = received


async def receive_async(consumer, checkpoint, enough):
    received = []
    done = asyncio.Event()

    async def on_event(context, event):
        if event is None:
            return
        received.append({"body": event.body_as_str(), "partition": context.partition_id, "seq": event.sequence_number})
        if checkpoint:
            await context.update_checkpoint(event)
        if enough(received):
            done.set()

    task = asyncio.ensure_future(consumer.receive(on_event=on_event, starting_position="-1", max_wait_time=1))
    try:
        await asyncio.wait_for(done.wait(), 25)
    except asyncio.TimeoutError:
        pass
    await consumer.close()
    await task
    return received


async def async_scenario(result):
    from azure.eventhub import EventData
    from azure.eventhub.aio import EventHubConsumerClient, EventHubProducerClient
    from azure.eventhub.extensions.checkpointstoreblobaio import BlobCheckpointStore

    endpoint = {"custom_endpoint_address": f"sb://127.0.0.1:{PORT}", "connection_verify": CA_FILE, "retry_total": 0}
    producer = EventHubProducerClient.from_connection_string(CONNECTION_STRING, eventhub_name=HUB, **endpoint)
    async with producer:
        batch = await producer.create_batch(partition_id="0")
        for n in range(4):
            batch.add(EventData(f"first-{n}"))
        await producer.send_batch(batch)
        result["partition_0"] = await producer.get_partition_properties("0")

    store = BlobCheckpointStore.from_connection_string(BLOB_CONNECTION_STRING, "checkpoints")
    try:
        await store._container_client.create_container()  # pylint: disable=protected-access
    except Exception:  # already there
        pass

    def consumer():
        return EventHubConsumerClient.from_connection_string(
            CONNECTION_STRING, consumer_group="$Default", eventhub_name=HUB, checkpoint_store=store,
            load_balancing_interval=1, **endpoint)

    result["first"] = await receive_async(consumer(), True, lambda received: len(received) >= 4)
    result["checkpoints"] = await store.list_checkpoints(f"127.0.0.1:{PORT}", HUB, "$Default")
    result["ownerships"] = len(await store.list_ownership(f"127.0.0.1:{PORT}", HUB, "$Default"))

    producer = EventHubProducerClient.from_connection_string(CONNECTION_STRING, eventhub_name=HUB, **endpoint)
    async with producer:
        batch = await producer.create_batch(partition_id="0")
        for n in range(2):
            batch.add(EventData(f"second-{n}"))
        await producer.send_batch(batch)

    # A second consumer on the same store resumes after the checkpoint: only the new events.
    wanted = {"second-0", "second-1"}
    result["second"] = await receive_async(consumer(), False, lambda received: wanted <= {event["body"] for event in received})
    await store.close()


def wrong_key_scenario(result):
    from azure.eventhub import EventHubProducerClient

    dial_emulator_for_amqps()
    wrong = CONNECTION_STRING.replace("SharedAccessKey=", "SharedAccessKey=x")
    producer = EventHubProducerClient.from_connection_string(
        wrong, eventhub_name=HUB, connection_verify=CA_FILE, retry_total=0, auth_timeout=5)
    with producer:
        try:
            producer.get_eventhub_properties()
            result["refused"] = None
        except Exception as error:  # the SDK's own error type is the point
            result["refused"] = {"type": type(error).__name__, "message": str(error)[:300]}


def main():
    result = {"scenario": SCENARIO}
    started = time.time()
    if SCENARIO == "sync":
        sync_scenario(result)
    elif SCENARIO == "sync-websocket":
        sync_websocket_scenario(result)
    elif SCENARIO == "async":
        asyncio.run(async_scenario(result))
    elif SCENARIO == "wrong-key":
        wrong_key_scenario(result)
    result["seconds"] = round(time.time() - started, 2)
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
