"""Qpid Proton's engine, made to pipeline its whole opening into one write to the Event Hubs emulator.

Usage: proton_pipelined.py <mechanism ANONYMOUS|PLAIN> <port> <key-name> <key>
Prints one JSON line with what happened; exit code 1 when Proton reports an error.

Proton 0.37's reactor waits for the SASL outcome before it writes its AMQP header. Its engine
(proton.Transport, no I/O of its own) lets this script play the server for a moment: it hands
Proton a sasl-mechanisms frame and an ok outcome, so Proton writes SASL header, sasl-init, AMQP
header, open, begin, attach and a transfer, all of which go to the emulator in one sendall before
anything is read. The emulator's answer is then checked by Proton itself: its SASL part by this
script (outcome ok), everything from the emulator's AMQP header on by Proton's transport.
"""
import json
import socket
import struct
import sys
import time

from proton import Connection, Delivery, Message, Transport

MECHANISM, PORT, KEY_NAME, KEY = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
HUB = "eh1"
SASL_HEADER = b"AMQP\x03\x01\x00\x00"


def sasl_frame(body):
    """A SASL frame (type 1) on channel 0: size, doff 2, type, channel (AMQP 1.0 §2.3.1)."""
    return struct.pack(">IBBH", 8 + len(body), 2, 1, 0) + body


def small_list(*items):
    body = b"".join(items)
    return bytes([0xC0, len(body) + 1, len(items)]) + body


def symbol(text):
    return bytes([0xA3, len(text)]) + text.encode()


# What a server would say: sasl-mechanisms (0x40) offering one mechanism, sasl-outcome (0x44) ok.
FAKE_MECHANISMS = SASL_HEADER + sasl_frame(b"\x00\x53\x40" + small_list(symbol(MECHANISM)))
FAKE_OUTCOME = sasl_frame(b"\x00\x53\x44" + small_list(b"\x50\x00"))


def drain(transport):
    out = b""
    while transport.pending() > 0:
        size = transport.pending()
        out += transport.peek(size)
        transport.pop(size)
    return out


def split_sasl(data):
    """The emulator's SASL part (header and frames) and what follows it; None while incomplete."""
    if len(data) < 8:
        return None
    at, outcome = 8, None
    while outcome is None:
        if len(data) < at + 8:
            return None
        size, doff = struct.unpack(">IB", data[at:at + 5])
        if len(data) < at + size:
            return None
        body = data[at + doff * 4:at + size]
        if body[:3] == b"\x00\x53\x44":
            outcome = body[-1]  # the code, the list's only field (ubyte)
        at += size
    return data[:8], outcome, data[at:]


def main():
    result = {"mechanism": MECHANISM, "errors": []}
    transport = Transport()
    connection = Connection()
    connection.container = "proton-pipelined"
    connection.hostname = "127.0.0.1"
    sasl = transport.sasl()
    sasl.allowed_mechs(MECHANISM)
    if MECHANISM == "PLAIN":
        connection.user = KEY_NAME
        connection.password = KEY
        sasl.allow_insecure_mechs = True
    transport.bind(connection)
    connection.open()
    session = connection.session()
    session.open()
    # PLAIN authorizes the connection: a sender to a partition, and one event sent once credit
    # comes. ANONYMOUS has no grant until a CBS token: a sender to $cbs, which needs none.
    sender = session.sender("pipelined-sender")
    sender.target.address = f"{HUB}/Partitions/0" if MECHANISM == "PLAIN" else "$cbs"
    sender.open()
    # Proton sends only with credit, which comes from the emulator: the opening through attach is
    # what is pipelined.

    opening = drain(transport)
    transport.push(FAKE_MECHANISMS)
    opening += drain(transport)
    transport.push(FAKE_OUTCOME)
    opening += drain(transport)
    result["pipelined_bytes"] = len(opening)
    result["pipelined_amqp_header"] = b"AMQP\x00\x01\x00\x00" in opening

    sock = socket.create_connection(("127.0.0.1", PORT))
    sock.settimeout(0.5)
    sock.sendall(opening)  # the whole opening, one write, nothing read before it

    received, handed, delivery = b"", False, None
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            chunk = None
        if chunk == b"":
            result["errors"].append("the emulator closed the connection")
            break
        if chunk:
            received += chunk
        if not handed:
            split = split_sasl(received)
            if split is None:
                continue
            header, outcome, rest = split
            result["sasl_header"] = header == SASL_HEADER
            result["sasl_outcome"] = outcome
            handed, received = True, rest
        if received:
            transport.push(received)
            received = b""
        out = drain(transport)
        if out:
            sock.sendall(out)
        for name, condition in (("transport", transport.condition), ("connection", connection.remote_condition),
                                ("link", sender.remote_condition)):
            if condition is not None:
                result["errors"].append(f"{name}: {condition.name}: {condition.description}")
        if result["errors"]:
            break
        if MECHANISM != "PLAIN":
            if sender.state & Connection.REMOTE_ACTIVE:
                break
            continue
        if sender.credit > 0 and delivery is None:
            delivery = sender.send(Message(body="pipelined"))
            out = drain(transport)
            if out:
                sock.sendall(out)
        if delivery is not None and delivery.remote_state:
            result["outcome"] = "accepted" if delivery.remote_state == Delivery.ACCEPTED else str(delivery.remote_state)
            break
    else:
        result["errors"].append("the emulator's answer stopped short (10 s without the open, attach or outcome)")
    result["remote_container"] = connection.remote_container
    result["connection_active"] = bool(connection.state & Connection.REMOTE_ACTIVE)
    result["link_active"] = bool(sender.state & Connection.REMOTE_ACTIVE)
    sock.close()
    print(json.dumps(result))
    sys.exit(1 if result["errors"] else 0)


main()
