"""A Relay Hybrid Connections sender in Python, written from the protocol document (relay note
1.4, 1.5): WebSockets with `websockets`, HTTP with urllib. Prints one JSON line with the outcome.

    relay_sender.py --base ws://127.0.0.1:PORT --http-base http://127.0.0.1:PORT \
        --host-for-token 127.0.0.1 --path hyco --key-name K --key KEY MODE [...]

MODE ws-echo: connect (token in the ServiceBusAuthorization header), send a text and a binary
frame, expect both echoed with their type; `--protocol P` offers a subprotocol.
MODE ws-reject: connect with X-Reject; the handshake must fail with the listener's status.
MODE http: `--method`, `--body-bytes N`, `--target suffix?query`; token in the header or, with
`--token-in query`, as sb-hc-token.
"""

import argparse
import asyncio
import hashlib
import json
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request

import websockets
from websockets.exceptions import InvalidStatusCode

from relay_sas import relay_sas_token


TLS = {}  # {"ssl": context} when --ca is given


def result(**fields) -> None:
    print(json.dumps(fields), flush=True)


async def ws_echo(url: str, token: str, protocol) -> None:
    options = {"extra_headers": {"ServiceBusAuthorization": token, "X-Trace": "python-sender"}, "max_size": 64 * 1024 * 1024, **TLS}
    if protocol:
        options["subprotocols"] = [protocol]
    async with websockets.connect(url, **options) as ws:
        binary = bytes(range(256)) * 4
        await ws.send("hello from python")
        await ws.send(binary)
        text_back = await ws.recv()
        binary_back = await ws.recv()
        await ws.close(1000)
        result(
            mode="ws-echo",
            subprotocol=ws.subprotocol,
            text=text_back if isinstance(text_back, str) else None,
            binaryOk=isinstance(binary_back, bytes) and binary_back == binary,
            closeCode=ws.close_code,
        )


async def ws_reject(url: str, token: str) -> None:
    try:
        async with websockets.connect(url, extra_headers={"ServiceBusAuthorization": token, "X-Reject": "1"}, **TLS):
            result(mode="ws-reject", opened=True)
    except InvalidStatusCode as error:
        result(mode="ws-reject", opened=False, status=error.status_code)


def http(url: str, token: str, token_in: str, method: str, body_bytes: int) -> None:
    body = bytes(i % 256 for i in range(body_bytes)) if body_bytes else None
    headers = {"X-Trace": "python-sender"}
    if token_in == "query":
        url += ("&" if "?" in url else "?") + "sb-hc-token=" + urllib.parse.quote(token, safe="")
    else:
        headers["ServiceBusAuthorization"] = token
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20, context=TLS.get("ssl")) as response:
            status, reason, response_headers, payload = response.status, response.reason, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, reason, response_headers, payload = error.code, error.reason, dict(error.headers), error.read()
    result(
        mode="http",
        status=status,
        reason=reason,
        headers={k.lower(): v for k, v in response_headers.items()},
        length=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        sentSha256=hashlib.sha256(body or b"").hexdigest(),
        text=payload.decode("utf-8", "replace") if len(payload) < 4096 else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["ws-echo", "ws-reject", "http"])
    parser.add_argument("--base", required=True)
    parser.add_argument("--http-base", required=True)
    parser.add_argument("--host-for-token", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--key-name", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--protocol")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body-bytes", type=int, default=0)
    parser.add_argument("--target", default="")
    parser.add_argument("--token-in", choices=["query", "header"], default="header")
    parser.add_argument("--ca", help="PEM file to trust for wss:// and https:// (the emulator's certificate)")
    args = parser.parse_args()
    if args.ca:
        TLS["ssl"] = ssl.create_default_context(cafile=args.ca)

    token = relay_sas_token(f"http://{args.host_for_token}/{args.path}", args.key_name, args.key)
    path = urllib.parse.quote(args.path)
    if args.mode == "http":
        http(f"{args.http_base}/{path}{args.target}", token, args.token_in, args.method, args.body_bytes)
        return
    url = f"{args.base}/$hc/{path}?sb-hc-action=connect"
    if args.mode == "ws-echo":
        asyncio.run(ws_echo(url, token, args.protocol))
    else:
        asyncio.run(ws_reject(url, token))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:
        result(mode="fatal", error=repr(error))
        sys.exit(1)
