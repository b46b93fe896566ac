"""A Relay Hybrid Connections listener in Python (websockets), written from the protocol document
(relay note 1.2-1.6), not from the project's code.

    relay_listener.py --base ws://127.0.0.1:PORT --host-for-token 127.0.0.1 --path hyco \
        --key-name RootManageSharedAccessKey --key KEY [--token-in query|header]

Prints READY once the control channel is open, then one line per event. Behaviour:
* right after listening it sends renewToken with a fresh token (no reply is expected);
* accept: a sender whose connectHeaders carry X-Reject is rejected through
  `address&sb-hc-statusCode=403&sb-hc-statusDescription=...` (that dial must fail with 410);
  every other sender is accepted by dialling `address` and gets its frames echoed, type kept.
* request: answered with status 200 (201 for POST), the request body echoed (or, with
  `?respond-bytes=N`, N bytes of i % 251), and headers that describe what arrived. Requests announced by `address` only are served on that rendezvous;
  answers over 64 kB to control-channel requests go over the request's `address`.
"""

import argparse
import asyncio
import hashlib
import json
import ssl
import sys
import urllib.parse

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatusCode

from relay_sas import header, relay_sas_token

CONTROL_CHANNEL_BODY_LIMIT = 64 * 1024
MAX_MESSAGE = 64 * 1024 * 1024
# Options for every dial (control channel and rendezvous): max_size, and the TLS context for wss.
DIAL = {"max_size": MAX_MESSAGE}


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def response_for(request: dict, body: bytes):
    """The app's answer: the request body echoed, described in headers."""
    method = request["method"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["requestTarget"]).query)
    if "respond-bytes" in query:
        payload = bytes(i % 251 for i in range(int(query["respond-bytes"][0])))
    elif body:
        payload = body
    else:
        payload = json.dumps({"method": method, "target": request["requestTarget"], "headers": request.get("requestHeaders", {})}).encode()
    headers = {
        "Content-Type": "application/octet-stream" if body else "application/json",
        "X-Python-Listener": "websockets-" + websockets.__version__,
        "X-Request-Method": method,
        "X-Request-Target": request["requestTarget"],
        "X-Body-Sha256": hashlib.sha256(body).hexdigest(),
    }
    status = 201 if method == "POST" else 200  # DELETE: 200 written as "200"
    # The protocol document's example writes statusCode as a string; .NET sends a number. Both go out.
    message = {"response": {"requestId": request["id"], "statusCode": str(status) if method == "DELETE" else status, "statusDescription": "Python answered", "responseHeaders": headers, "body": True}}
    return json.dumps(message), payload


async def read_body(ws, request: dict) -> bytes:
    """A request with body:true is followed by one binary message (note 1.5)."""
    if not request.get("body"):
        return b""
    frame = await ws.recv()
    if not isinstance(frame, bytes):
        raise ValueError("expected a binary body frame after the request")
    return frame


async def serve_request_rendezvous(address: str) -> None:
    """The request was too large for the control channel: the full request arrives on `address`."""
    async with websockets.connect(address, **DIAL) as rws:
        emit("request-rendezvous-open")
        while True:
            try:
                text = await rws.recv()
            except ConnectionClosed:
                return
            request = json.loads(text)["request"]
            body = await read_body(rws, request)
            emit("request", via="rendezvous", method=request["method"], target=request["requestTarget"], length=len(body))
            head, payload = response_for(request, body)
            await rws.send(head)
            # A body may be fragmented and ends at the frame with FIN set (note 1.5); .NET ends a
            # streamed body with an empty final fragment, and so does this listener.
            await rws.send(fragments(payload, 16 * 1024))


async def fragments(payload: bytes, size: int):
    for start in range(0, len(payload), size):
        yield payload[start:start + size]
    yield b""


async def answer_on_control_channel(ws, request: dict, body: bytes) -> None:
    head, payload = response_for(request, body)
    if len(payload) <= CONTROL_CHANNEL_BODY_LIMIT:
        await ws.send(head)
        await ws.send(payload)
        return
    # Bodies over 64 kB go over rendezvous (note 1.5): dial the request's own address.
    async with websockets.connect(request["address"], **DIAL) as rws:
        await rws.send(head)
        await rws.send(payload)
        emit("response-over-rendezvous", length=len(payload))


async def echo(address: str, connect_headers: dict) -> None:
    offered = [p.strip() for p in (header(connect_headers, "Sec-WebSocket-Protocol") or "").split(",") if p.strip()]
    options = {"subprotocols": offered[:1]} if offered else {}
    async with websockets.connect(address, **DIAL, **options) as rws:
        emit("accepted", subprotocol=rws.subprotocol)
        try:
            async for message in rws:
                await rws.send(message)
        except ConnectionClosed:
            pass
        emit("accepted-closed", code=rws.close_code)


async def reject(address: str) -> None:
    description = urllib.parse.quote("Python says no", safe="")
    try:
        async with websockets.connect(f"{address}&sb-hc-statusCode=403&sb-hc-statusDescription={description}", **DIAL):
            emit("reject-dial-opened")  # the service must fail this dial with 410
    except InvalidStatusCode as error:
        emit("rejected", dialStatus=error.status_code)


async def on_accept(accept: dict) -> None:
    headers = accept.get("connectHeaders", {})
    emit("accept", id=accept["id"], xTrace=header(headers, "X-Trace"))
    if header(headers, "X-Reject") is not None:
        await reject(accept["address"])
    else:
        await echo(accept["address"], headers)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--host-for-token", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--key-name", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--token-in", choices=["query", "header"], default="header")
    parser.add_argument("--ca", help="PEM file to trust for wss:// (the emulator's certificate)")
    args = parser.parse_args()
    if args.ca:
        DIAL["ssl"] = ssl.create_default_context(cafile=args.ca)

    token = relay_sas_token(f"http://{args.host_for_token}/{args.path}", args.key_name, args.key)
    url = f"{args.base}/$hc/{urllib.parse.quote(args.path)}?sb-hc-action=listen&sb-hc-id=python-listener"
    options = dict(DIAL)
    if args.token_in == "query":
        url += "&sb-hc-token=" + urllib.parse.quote(token, safe="")
    else:
        options["extra_headers"] = {"ServiceBusAuthorization": token}
    tasks = set()

    def spawn(coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        tasks.add(task)
        task.add_done_callback(lambda done: (tasks.discard(done), done.exception() and emit("task-failed", error=repr(done.exception()))))

    async with websockets.connect(url, **options) as ws:
        print("READY", flush=True)
        # renewToken (note 1.6): a fresh token on the control channel; success has no reply.
        renewed = relay_sas_token(f"http://{args.host_for_token}/{args.path}", args.key_name, args.key, ttl_seconds=7200)
        await ws.send(json.dumps({"renewToken": {"token": renewed}}))
        emit("renew-sent")
        async for text in ws:
            if isinstance(text, bytes):
                emit("unexpected-binary")
                continue
            message = json.loads(text)
            if "accept" in message:
                spawn(on_accept(message["accept"]))
            elif "request" in message and "method" not in message["request"]:
                spawn(serve_request_rendezvous(message["request"]["address"]))
            elif "request" in message:
                request = message["request"]
                body = await read_body(ws, request)
                emit("request", via="control", method=request["method"], target=request["requestTarget"], length=len(body))
                await answer_on_control_channel(ws, request, body)
            else:
                emit("unknown", keys=list(message))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    except Exception as error:  # a failure must show up in the test's output, not vanish
        emit("fatal", error=repr(error))
        sys.exit(1)
