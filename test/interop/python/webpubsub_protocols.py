"""Client side of the Web PubSub subprotocols for the Python interop suite, written from Microsoft's
protocol references (https://learn.microsoft.com/azure/azure-web-pubsub/reference-json-webpubsub-subprotocol,
reference-json-reliable-webpubsub-subprotocol, reference-protobuf-webpubsub-subprotocol and its reliable
twin), not from this repository's code. Protobuf frames are encoded and decoded here by hand.

Every received data message is normalised to a dict:
  {"type": "message", "from": "group"|"server", "group"?, "fromUserId"?, "dataType", "data", "sequenceId"?}
with text as str, binary as bytes and json as the parsed value. Over protobuf, json arrives as text_data
holding the JSON text (the reference's rule), so "dataType" is "text" there.
"""

import asyncio
import base64
import json

import websockets

JSON = "json.webpubsub.azure.v1"
JSON_RELIABLE = "json.reliable.webpubsub.azure.v1"
PROTOBUF = "protobuf.webpubsub.azure.v1"
PROTOBUF_RELIABLE = "protobuf.reliable.webpubsub.azure.v1"
ALL = [JSON, JSON_RELIABLE, PROTOBUF, PROTOBUF_RELIABLE]


# ---- protobuf wire format: varints and length-delimited fields only (all these messages use) ----

def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, value):
    if isinstance(value, str):
        value = value.encode("utf-8")
    return varint((number << 3) | 2) + varint(len(value)) + value


def parse(buf):
    """Fields of one message as {number: [values]}; varints as int, length-delimited as bytes."""
    fields = {}
    pos = 0
    while pos < len(buf):
        key, pos = read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            value = bytes(buf[pos:pos + length])
            pos += length
        else:
            raise ValueError("unexpected wire type %d" % wire)
        fields.setdefault(number, []).append(value)
    return fields


def read_varint(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def last(fields, number, default=None):
    return fields[number][-1] if number in fields else default


# UpstreamMessage oneof: send_to_group_message=1, event_message=5, join_group_message=6,
# leave_group_message=7, sequence_ack_message=8, ping_message=9. MessageData: text_data=1,
# binary_data=2, protobuf_data=3.
def pb_message_data(data_type, data):
    if data_type == "text":
        return field_bytes(1, data)
    if data_type == "binary":
        return field_bytes(2, data)
    if data_type == "json":
        return field_bytes(1, json.dumps(data))
    raise ValueError(data_type)


def pb_upstream(message):
    kind = message["type"]
    if kind in ("joinGroup", "leaveGroup"):
        body = field_bytes(1, message["group"])
        if "ackId" in message:
            body += field_varint(2, message["ackId"])
        return field_bytes(6 if kind == "joinGroup" else 7, body)
    if kind == "sendToGroup":
        body = field_bytes(1, message["group"])
        if "ackId" in message:
            body += field_varint(2, message["ackId"])
        body += field_bytes(3, pb_message_data(message["dataType"], message["data"]))
        if "noEcho" in message:
            body += field_varint(4, 1 if message["noEcho"] else 0)
        return field_bytes(1, body)
    if kind == "event":
        body = field_bytes(1, message["event"]) + field_bytes(2, pb_message_data(message["dataType"], message["data"]))
        if "ackId" in message:
            body += field_varint(3, message["ackId"])
        return field_bytes(5, body)
    if kind == "sequenceAck":
        return field_bytes(8, field_varint(1, message["sequenceId"]))
    if kind == "ping":
        return field_bytes(9, b"")
    raise ValueError(kind)


# DownstreamMessage oneof: ack_message=1 {ack_id=1, success=2, error=3 {name=1, message=2}},
# data_message=2 {from=1, group=2, data=3, sequence_id=4}, system_message=3 {connected_message=1
# {connection_id=1, user_id=2, reconnection_token=3}, disconnected_message=2 {reason=2}}, pong_message=4.
def pb_downstream(frame):
    root = parse(frame)
    if 1 in root:
        ack = parse(last(root, 1))
        out = {"type": "ack", "ackId": last(ack, 1, 0), "success": bool(last(ack, 2, 0))}
        if 3 in ack:
            error = parse(last(ack, 3))
            out["error"] = {"name": last(error, 1, b"").decode(), "message": last(error, 2, b"").decode()}
        return out
    if 2 in root:
        msg = parse(last(root, 2))
        data = parse(last(msg, 3, b""))
        if 1 in data:
            data_type, value = "text", last(data, 1).decode("utf-8")
        elif 2 in data:
            data_type, value = "binary", last(data, 2)
        elif 3 in data:
            data_type, value = "protobuf", last(data, 3)
        else:
            raise ValueError("data_message without a known MessageData member: %r" % sorted(data))
        out = {"type": "message", "from": last(msg, 1, b"").decode(), "dataType": data_type, "data": value}
        if 2 in msg:
            out["group"] = last(msg, 2).decode()
        if 4 in msg:
            out["sequenceId"] = last(msg, 4)
        return out
    if 3 in root:
        system = parse(last(root, 3))
        if 1 in system:
            connected = parse(last(system, 1))
            out = {"type": "system", "event": "connected", "connectionId": last(connected, 1, b"").decode()}
            if 2 in connected:
                out["userId"] = last(connected, 2).decode()
            if 3 in connected:
                out["reconnectionToken"] = last(connected, 3).decode()
            return out
        disconnected = parse(last(system, 2, b""))
        return {"type": "system", "event": "disconnected", "message": last(disconnected, 2, b"").decode()}
    if 4 in root:
        return {"type": "pong"}
    raise ValueError("unknown DownstreamMessage fields %r" % sorted(root))


def json_downstream(text):
    message = json.loads(text)
    if message.get("type") == "message" and message.get("dataType") == "binary":
        message["data"] = base64.b64decode(message["data"])
    return message


def json_upstream(message):
    message = dict(message)
    if message.get("dataType") == "binary":
        message["data"] = base64.b64encode(message["data"]).decode()
    return json.dumps(message)


class Client:
    """One WebSocket client on one subprotocol; records every message, acks reliable sequence ids."""

    def __init__(self, protocol):
        self.protocol = protocol
        self.binary = protocol.startswith("protobuf")
        self.reliable = ".reliable." in protocol
        self.messages = []
        self.changed = asyncio.Event()
        self.close_code = None
        self.close_reason = None

    async def connect(self, url):
        self.ws = await websockets.connect(url, subprotocols=[self.protocol], max_size=None)
        if self.ws.subprotocol != self.protocol:
            raise AssertionError("server chose subprotocol %r, asked for %r" % (self.ws.subprotocol, self.protocol))
        self.reader = asyncio.ensure_future(self._read())
        self.connected = await self.wait(lambda m: m.get("type") == "system" and m.get("event") == "connected")
        return self

    async def _read(self):
        try:
            async for frame in self.ws:
                if self.binary != isinstance(frame, bytes):
                    raise AssertionError("%s got a %s frame" % (self.protocol, "binary" if isinstance(frame, bytes) else "text"))
                message = pb_downstream(frame) if self.binary else json_downstream(frame)
                self.messages.append(message)
                if self.reliable and message.get("sequenceId"):
                    await self.send({"type": "sequenceAck", "sequenceId": message["sequenceId"]})
                self.changed.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason
            self.changed.set()

    async def send(self, message):
        await self.ws.send(pb_upstream(message) if self.binary else json_upstream(message))

    async def wait(self, predicate, timeout=5):
        async def find():
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                if self.reader.done() if hasattr(self, "reader") else False:
                    raise AssertionError("connection closed (%s %s) before a match; got %r" % (self.close_code, self.close_reason, self.messages[-5:]))
                self.changed.clear()
                await self.changed.wait()
        return await asyncio.wait_for(find(), timeout)

    async def closed(self, timeout=5):
        await asyncio.wait_for(asyncio.shield(self.reader), timeout)
        return self.close_code, self.close_reason

    def data(self):
        return [m for m in self.messages if m.get("type") == "message"]

    async def close(self):
        await self.ws.close()
