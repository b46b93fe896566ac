"""Every service call of Python's azure-messaging-webpubsubservice (Debian python3-azure, 1.1.0b1)
against a Web PubSub endpoint, with `websockets` clients on one subprotocol as the other end.

usage: webpubsub_service_calls.py CONNECTION_STRING SUBPROTOCOL HUB
Prints one JSON line per check: {"check": name, "ok": bool, "detail": str}; exits 1 if any failed.
"""

import asyncio
import json
import sys
import traceback
from urllib.parse import urlencode

import websockets

from azure.messaging.webpubsubservice import WebPubSubServiceClient

from webpubsub_protocols import Client

CONNECTION_STRING, PROTOCOL, HUB = sys.argv[1], sys.argv[2], sys.argv[3]
service = WebPubSubServiceClient.from_connection_string(CONNECTION_STRING, hub=HUB)
failures = 0


def report(name, ok, detail=""):
    global failures
    failures += 0 if ok else 1
    print(json.dumps({"check": name, "ok": bool(ok), "detail": str(detail)[:800]}), flush=True)


def call(fn, *args, **kwargs):
    return asyncio.to_thread(fn, *args, **kwargs)


async def connect(user_id=None, roles=None, groups=None):
    token = await call(service.get_client_access_token, user_id=user_id, roles=roles or [], groups=groups or [])
    return await Client(PROTOCOL).connect(token["url"])


def payload(message):
    """(dataType, value) with json over protobuf (text_data holding JSON) read back as json."""
    data_type, value = message["dataType"], message["data"]
    if PROTOCOL.startswith("protobuf") and data_type == "text" and value[:1] in ("{", "["):
        return "json", json.loads(value)
    return data_type, value


marker_count = 0


async def drain(client):
    """Data received since the last drain, proven complete by a marker sent after everything else."""
    global marker_count
    marker_count += 1
    marker = "marker-%d" % marker_count
    await call(service.send_to_connection, client.connected["connectionId"], marker, content_type="text/plain")
    await client.wait(lambda m: m.get("type") == "message" and m.get("data") == marker)
    taken = getattr(client, "taken", 0)
    fresh = client.data()[taken:]
    client.taken = len(client.data())
    return [payload(m) for m in fresh if not (m["dataType"] == "text" and str(m["data"]).startswith("marker-"))]


async def check(name, coroutine):
    try:
        result = await coroutine
        report(name, result is None or result is True, "" if result in (None, True) else result)
    except Exception as error:  # noqa: BLE001 - every failure is reported, the run goes on
        report(name, False, "%s: %s\n%s" % (type(error).__name__, error, traceback.format_exc(limit=3)))


def expect(actual, wanted):
    return True if actual == wanted else "expected %r, got %r" % (wanted, actual)


async def main():
    alice = await connect("alice")
    bob = await connect("bob")
    a_id, b_id = alice.connected["connectionId"], bob.connected["connectionId"]

    async def connected_message():
        reliable = ".reliable." in PROTOCOL
        ok = alice.connected.get("userId") == "alice" and bool(a_id) and bool(alice.connected.get("reconnectionToken")) == reliable
        return ok or "connected message %r" % alice.connected

    await check("get_client_access_token url connects, connected message", connected_message())

    async def send_to_all():
        await call(service.send_to_all, {"hello": "all"})
        await call(service.send_to_all, "plain", content_type="text/plain")
        await call(service.send_to_all, b"\x01\x02\xff", content_type="application/octet-stream")
        await call(service.send_to_all, "not-alice", content_type="text/plain", excluded=[a_id])
        await call(service.send_to_all, "bob-only", content_type="text/plain", filter="userId eq 'bob'")
        got_a, got_b = await drain(alice), await drain(bob)
        everyone = [("json", {"hello": "all"}), ("text", "plain"), ("binary", b"\x01\x02\xff")]
        return expect((got_a, got_b), (everyone, everyone + [("text", "not-alice"), ("text", "bob-only")]))

    await check("send_to_all json/text/binary, excluded, filter", send_to_all())

    async def send_to_user_and_connection():
        await call(service.send_to_user, "bob", {"to": "bob"})
        await call(service.send_to_user, "bob", "filtered-out", content_type="text/plain", filter="userId eq 'alice'")
        await call(service.send_to_connection, a_id, b"\x07", content_type="application/octet-stream")
        await call(service.send_to_connection, a_id, "direct", content_type="text/plain")
        return expect((await drain(alice), await drain(bob)), ([("binary", b"\x07"), ("text", "direct")], [("json", {"to": "bob"})]))

    await check("send_to_user (json, filter), send_to_connection (binary, text)", send_to_user_and_connection())

    async def groups():
        await call(service.add_connection_to_group, "g1", a_id)
        await call(service.add_user_to_group, "g2", "bob")
        exists = [await call(service.group_exists, g) for g in ("g1", "g2", "none")]
        await call(service.send_to_group, "g1", "to-g1", content_type="text/plain")
        await call(service.send_to_group, "g2", {"to": "g2"})
        await call(service.send_to_group, "g2", b"\x02", content_type="application/octet-stream")
        await call(service.add_connection_to_group, "g2", a_id)
        await call(service.send_to_group, "g2", "g2-not-bob", content_type="text/plain", excluded=[b_id])
        await call(service.send_to_group, "g2", "g2-alice", content_type="text/plain", filter="'g1' in groups")
        got = (await drain(alice), await drain(bob))
        # A REST send to a group comes from the server, not from a group member (the subprotocol references).
        via_rest = next(m for m in alice.data() if m["data"] == "to-g1")
        return expect((exists, got, via_rest.get("from"), via_rest.get("group")), (
            [True, True, False],
            ([("text", "to-g1"), ("text", "g2-not-bob"), ("text", "g2-alice")], [("json", {"to": "g2"}), ("binary", b"\x02")]),
            "server", None,
        ))

    await check("add_connection_to_group, add_user_to_group, group_exists, send_to_group (excluded, filter)", groups())

    async def remove_from_groups():
        await call(service.remove_connection_from_group, "g1", a_id)
        await call(service.remove_user_from_group, "g2", "bob")
        after_single = [await call(service.group_exists, "g1")]
        await call(service.add_connection_to_group, "g3", a_id)
        await call(service.add_connection_to_group, "g4", b_id)
        await call(service.add_connection_to_group, "g5", b_id)
        await call(service.remove_connection_from_all_groups, a_id)
        await call(service.remove_user_from_all_groups, "bob")
        for g in ("g2", "g3", "g4", "g5"):
            await call(service.send_to_group, g, "to-" + g, content_type="text/plain")
        exists = [await call(service.group_exists, g) for g in ("g2", "g3", "g4", "g5")]
        return expect((after_single, exists, await drain(alice), await drain(bob)), ([False], [False] * 4, [], []))

    await check("remove_connection_from_group, remove_user_from_group, remove_connection_from_all_groups, remove_user_from_all_groups", remove_from_groups())

    async def exists_checks():
        found = [await call(service.connection_exists, a_id), await call(service.connection_exists, "no-such-connection"),
                 await call(service.user_exists, "alice"), await call(service.user_exists, "nobody")]
        return expect(found, [True, False, True, False])

    await check("connection_exists, user_exists", exists_checks())

    async def permissions():
        # alice has no roles: her own sendToGroup is refused until the permission is granted.
        await alice.send({"type": "sendToGroup", "group": "perm", "dataType": "text", "data": "denied", "ackId": 1})
        denied = await alice.wait(lambda m: m.get("type") == "ack" and m.get("ackId") == 1)
        before = await call(service.has_permission, "sendToGroup", a_id, target_name="perm")
        await call(service.grant_permission, "sendToGroup", a_id, target_name="perm")
        granted = await call(service.has_permission, "sendToGroup", a_id, target_name="perm")
        other = await call(service.has_permission, "sendToGroup", a_id, target_name="other")
        await call(service.add_connection_to_group, "perm", b_id)
        await alice.send({"type": "sendToGroup", "group": "perm", "dataType": "json", "data": {"n": 1}, "ackId": 2})
        allowed = await alice.wait(lambda m: m.get("type") == "ack" and m.get("ackId") == 2)
        await call(service.grant_permission, "joinLeaveGroup", b_id)
        await bob.send({"type": "joinGroup", "group": "joined", "ackId": 3})
        joined = await bob.wait(lambda m: m.get("type") == "ack" and m.get("ackId") == 3)
        await call(service.send_to_group, "joined", "to-joined", content_type="text/plain")
        await call(service.revoke_permission, "sendToGroup", a_id, target_name="perm")
        revoked = await call(service.has_permission, "sendToGroup", a_id, target_name="perm")
        got_b = await drain(bob)
        return expect(
            (denied["success"], denied.get("error", {}).get("name"), before, granted, other, allowed["success"], joined["success"], revoked, got_b),
            (False, "Forbidden", False, True, False, True, True, False, [("json", {"n": 1}), ("text", "to-joined")]),
        )

    await check("grant_permission, has_permission, revoke_permission (checked by client sendToGroup/joinGroup acks)", permissions())

    async def client_messages():
        await call(service.grant_permission, "sendToGroup", b_id)
        await call(service.add_connection_to_group, "chat", a_id)
        await bob.send({"type": "sendToGroup", "group": "chat", "dataType": "binary", "data": b"\x00\x01", "ackId": 4})
        await bob.send({"type": "sendToGroup", "group": "chat", "dataType": "text", "data": "hi", "noEcho": True})
        await bob.send({"type": "ping"})
        await bob.wait(lambda m: m.get("type") == "pong")
        await bob.wait(lambda m: m.get("type") == "ack" and m.get("ackId") == 4)
        # A repeated ackId is not published again: the service answers Duplicate.
        await bob.send({"type": "sendToGroup", "group": "chat", "dataType": "text", "data": "again", "ackId": 4})
        duplicate = await bob.wait(lambda m: m.get("type") == "ack" and m.get("ackId") == 4 and not m["success"])
        got = await drain(alice)
        sender = next(m for m in alice.data() if m["data"] == b"\x00\x01")
        from_user = sender.get("fromUserId") if PROTOCOL.startswith("json") else "bob"  # no from_user_id in protobuf
        return expect((got, sender["from"], sender.get("group"), from_user, duplicate["error"]["name"]),
                      ([("binary", b"\x00\x01"), ("text", "hi")], "group", "chat", "bob", "Duplicate"))

    await check("client sendToGroup (binary, noEcho), ping/pong, Duplicate ack, delivered to the other client", client_messages())

    async def uint64_ack_ids():
        # ackId is uint64 on the wire; Python ints use the whole range (JS numbers stop at 2^53).
        big = [2 ** 53 + 1, 2 ** 64 - 1]
        for ack_id in big:
            await bob.send({"type": "joinGroup", "group": "big", "ackId": ack_id})
        acks = [await bob.wait(lambda m, a=a: m.get("type") == "ack" and m.get("ackId") == a) for a in big]
        await bob.send({"type": "leaveGroup", "group": "big", "ackId": big[1]})
        again = await bob.wait(lambda m: m.get("type") == "ack" and m.get("ackId") == big[1] and not m["success"])
        return expect(([a["success"] for a in acks], again["error"]["name"]), ([True, True], "Duplicate"))

    await check("ackIds past 2^53 up to 2^64-1 are acked with the exact value and de-duplicated", uint64_ack_ids())

    async def sequence_ids():
        if ".reliable." not in PROTOCOL:
            return expect([m.get("sequenceId") for m in alice.data() + bob.data() if m.get("sequenceId")], [])
        ids = [m["sequenceId"] for m in alice.data()]
        return expect(ids, list(range(1, len(ids) + 1)))

    await check("sequenceId on data messages only on reliable subprotocols, from 1 without gaps", sequence_ids())

    async def recovery():
        if ".reliable." not in PROTOCOL:
            return True
        frank = await connect("frank")
        frank_id, token = frank.connected["connectionId"], frank.connected["reconnectionToken"]
        await call(service.send_to_connection, frank_id, "before", content_type="text/plain")
        await frank.wait(lambda m: m.get("data") == "before")
        frank.ws.transport.abort()  # a network drop: no close frame, so the session waits for recovery
        await frank.closed()
        await call(service.send_to_connection, frank_id, "while-away", content_type="text/plain")
        # The recovery URL as the reliable-protocol reference shows it: no access token.
        base = (await call(service.get_client_access_token))["baseUrl"]
        query = urlencode({"awps_connection_id": frank_id, "awps_reconnection_token": token})
        resumed = await Client(PROTOCOL).connect("%s?%s" % (base, query))
        away = await resumed.wait(lambda m: m.get("data") == "while-away")
        before = next(m for m in frank.data() if m["data"] == "before")
        forged = "%s?%s" % (base, urlencode({"awps_connection_id": frank_id, "awps_reconnection_token": token + "x"}))
        async with websockets.connect(forged, subprotocols=[PROTOCOL]) as intruder:
            try:
                await asyncio.wait_for(intruder.recv(), 5)
                refused = "a forged reconnection token was let in"
            except websockets.ConnectionClosed as closed:
                refused = closed.code
        await resumed.close()
        return expect((resumed.connected["connectionId"], away["sequenceId"] - before["sequenceId"], refused), (frank_id, 1, 1008))

    await check("reliable recovery after a network drop (awps_connection_id + awps_reconnection_token), forged token closed 1008", recovery())

    async def close_connection():
        await call(service.close_connection, a_id, reason="bye alice")
        code, _ = await alice.closed()
        notice = next((m for m in alice.messages if m.get("type") == "system" and m.get("event") == "disconnected"), None)
        return expect((code, notice and notice["message"], await call(service.connection_exists, a_id)), (1000, "bye alice", False))

    await check("close_connection with reason: disconnected message, close 1000, gone", close_connection())

    async def close_user_group_all():
        carol1, carol2, dave, erin = await connect("carol"), await connect("carol"), await connect("dave", groups=["team"]), await connect("erin")
        await call(service.close_user_connections, "carol", reason="user")
        await call(service.close_group_connections, "team", reason="group")
        closed = [(await c.closed())[0] for c in (carol1, carol2, dave)]
        still = [await call(service.connection_exists, c.connected["connectionId"]) for c in (erin, bob)]
        await call(service.close_all_connections, reason="all", excluded=[erin.connected["connectionId"]])
        await bob.closed()
        erin_open = await call(service.connection_exists, erin.connected["connectionId"])
        await call(service.close_all_connections)
        await erin.closed()
        return expect((closed, still, erin_open, await call(service.user_exists, "erin")), ([1000] * 3, [True, True], True, False))

    await check("close_user_connections, close_group_connections, close_all_connections (excluded)", close_user_group_all())

    async def service_errors():
        from azure.core.exceptions import HttpResponseError
        try:
            await call(service.send_to_all, "x", content_type="text/plain", filter="userId eq")
            return "an invalid filter was accepted"
        except HttpResponseError as error:
            body = error.response.json()
            return expect((error.status_code, body.get("code")), (400, "InvalidArgument"))

    await check("an invalid filter is a 400 with the service's error body", service_errors())

    async def wrong_key():
        from azure.core.exceptions import ClientAuthenticationError
        forged = CONNECTION_STRING.replace("AccessKey=", "AccessKey=wrong")
        intruder = WebPubSubServiceClient.from_connection_string(forged, hub=HUB)
        try:
            await call(intruder.send_to_all, "x", content_type="text/plain")
            return "a REST call signed with the wrong key was accepted"
        except ClientAuthenticationError as error:
            token = await call(intruder.get_client_access_token, user_id="intruder")
            try:
                await Client(PROTOCOL).connect(token["url"])
                return "a client token signed with the wrong key was accepted"
            except Exception as refused:  # websockets raises InvalidStatusCode for the 401
                return expect((error.status_code, getattr(refused, "status_code", None)), (401, 401))

    await check("the wrong access key is refused: REST 401, client handshake 401", wrong_key())


asyncio.run(main())
sys.exit(1 if failures else 0)
