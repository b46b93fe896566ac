"""Qpid Proton as a strict AMQP 1.0 peer of the Event Hubs emulator.

Usage: proton_peer.py <scenario> <port> <key-name> <key>
Prints one JSON line with what happened. Any transport, connection or session error Proton
reports (protocol violations included) lands in "errors" and the exit code is 1.
Written from the AMQP 1.0 spec, Proton's API and the Event Hubs protocol as the SDKs use it.
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.parse

from proton import Described, Message, symbol
from proton.handlers import MessagingHandler
from proton.reactor import AtLeastOnce, AtMostOnce, Container, Filter, Selector

SCENARIO, PORT, KEY_NAME, KEY = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
HUB = "eh1"
SELECTOR = symbol("apache.org:selector-filter:string")

# scenario -> (sasl, partition, bodies, settle mode, selector, credit steps)
SCENARIOS = {
    # SASL PLAIN, unsettled sends (accepted outcomes), receiver attached with a sequence filter:
    # attach and flow leave together, and events are already there (strict ordering).
    "plain": ("PLAIN", "0", [f"plain-{n}" for n in range(3)], "unsettled", "amqp.annotation.x-opt-sequence-number > '0'", [10]),
    # SASL ANONYMOUS, then put-token on $cbs without reply-to, then the same flow.
    "anonymous-cbs": ("ANONYMOUS", "1", [f"cbs-{n}" for n in range(3)], "unsettled", "amqp.annotation.x-opt-offset > '-1'", [10]),
    # Pre-settled sends (at-most-once): no outcome, the events must still be stored.
    "presettled": ("PLAIN", "2", [f"pre-{n}" for n in range(3)], "settled", "amqp.annotation.x-opt-offset > '-1'", [10]),
    # Messages bigger than the emulator's max-frame-size (65536) both ways.
    "multi-frame": ("PLAIN", "3", ["x" * 200_000, "y" * 70_000], "unsettled", "amqp.annotation.x-opt-offset > '-1'", [10]),
    # Credit 2, then 3 more: nothing beyond the credit may arrive.
    "flow-control": ("PLAIN", "4", [f"fc-{n}" for n in range(5)], "unsettled", "amqp.annotation.x-opt-offset > '-1'", [2, 3]),
    # Proton's own Selector: the same filter under the name "selector" (found by its descriptor).
    "proton-selector": ("PLAIN", "5", [f"sel-{n}" for n in range(3)], "unsettled", "amqp.annotation.x-opt-sequence-number > '1'", [10]),
    "plain-wrong-key": ("PLAIN-BAD", "0", [], "unsettled", None, [1]),
    "cbs-wrong-key": ("ANONYMOUS", "0", [], "unsettled", None, [1]),
}


def sas_token(audience, key_name, key, ttl=3600):
    expiry = str(int(time.time()) + ttl)
    resource = urllib.parse.quote_plus(audience)
    signature = hmac.new(key.encode(), f"{resource}\n{expiry}".encode(), hashlib.sha256).digest()
    sig = urllib.parse.quote_plus(base64.b64encode(signature).decode())
    return f"SharedAccessSignature sr={resource}&sig={sig}&se={expiry}&skn={key_name}"


def same_link(a, b):
    """Proton hands out a new wrapper per event: compare links by name and role."""
    return a is not None and b is not None and a.name == b.name and a.is_sender == b.is_sender


class Peer(MessagingHandler):
    def __init__(self):
        super().__init__(prefetch=0, auto_accept=False)
        self.sasl, self.partition, self.bodies, self.mode, self.selector, self.credits = SCENARIOS[SCENARIO]
        self.result = {"scenario": SCENARIO, "errors": [], "link_errors": [], "outcomes": [], "received": []}
        self.sender = self.receiver = self.cbs_receiver = self.deadline = None
        self.pending = list(self.bodies)

    # --- connection -----------------------------------------------------------------
    def on_start(self, event):
        url = f"amqp://127.0.0.1:{PORT}"
        if self.sasl == "ANONYMOUS":
            self.conn = event.container.connect(url, allowed_mechs="ANONYMOUS", reconnect=False)
        else:
            password = KEY + "x" if self.sasl == "PLAIN-BAD" else KEY
            self.conn = event.container.connect(
                url, allowed_mechs="PLAIN", allow_insecure_mechs=True, user=KEY_NAME, password=password, reconnect=False)
        self.deadline = event.container.schedule(15, self)
        if self.sasl == "ANONYMOUS":
            self.put_token(event)
        else:
            self.open_sender(event)

    def on_timer_task(self, event):
        self.result["errors"].append("timeout")
        self.finish()

    def finish(self):
        if self.deadline:
            self.deadline.cancel()
            self.deadline = None
        self.conn.close()

    def on_transport_error(self, event):
        cond = event.transport.condition
        self.result["errors"].append(f"transport: {cond.name if cond else '?'}: {cond.description if cond else ''}")
        if self.deadline:
            self.deadline.cancel()
            self.deadline = None

    def on_connection_error(self, event):
        cond = event.connection.remote_condition
        self.result["errors"].append(f"connection: {cond.name}: {cond.description}")

    def on_session_error(self, event):
        cond = event.session.remote_condition
        self.result["errors"].append(f"session: {cond.name}: {cond.description}")

    def on_link_error(self, event):
        cond = event.link.remote_condition
        self.result["link_errors"].append(f"{cond.name}: {cond.description}")
        event.link.close()
        self.finish()

    # --- CBS: put-token without reply-to ----------------------------------------------
    def put_token(self, event):
        cbs_sender = event.container.create_sender(self.conn, "$cbs")
        self.cbs_receiver = event.container.create_receiver(self.conn, "$cbs", name="cbs-receiver")
        self.cbs_receiver.flow(1)
        key = KEY + "x" if SCENARIO == "cbs-wrong-key" else KEY
        audience = f"sb://127.0.0.1:{PORT}/{HUB}"
        cbs_sender.send(Message(
            id=1,
            body=sas_token(audience, KEY_NAME, key),
            properties={"operation": "put-token", "type": "servicebus.windows.net:sastoken", "name": audience},
        ))

    # --- send, then receive -----------------------------------------------------------
    def open_sender(self, event):
        if not self.bodies:
            # Nothing to send: attach a receiver so a refused connection shows at once.
            self.receiver = event.container.create_receiver(self.conn, f"{HUB}/ConsumerGroups/$Default/Partitions/0")
            self.receiver.flow(1)
            return
        options = AtMostOnce() if self.mode == "settled" else AtLeastOnce()
        self.sender = event.container.create_sender(self.conn, f"{HUB}/Partitions/{self.partition}", options=options)

    def on_sendable(self, event):
        if not same_link(event.sender, self.sender):
            return
        while self.pending and event.sender.credit > 0:
            event.sender.send(Message(body=self.pending.pop(0)))
        if not self.pending and self.mode == "settled" and self.receiver is None:
            self.open_receiver(event)

    def on_accepted(self, event):
        self.on_outcome(event, "accepted")

    def on_rejected(self, event):
        self.on_outcome(event, "rejected")

    def on_outcome(self, event, outcome):
        if not same_link(event.link, self.sender):
            return
        self.result["outcomes"].append(outcome)
        if len(self.result["outcomes"]) == len(self.bodies):
            self.open_receiver(event)

    def open_receiver(self, event):
        if SCENARIO == "proton-selector":
            source_filter = Selector(self.selector)
        else:
            source_filter = Filter({SELECTOR: Described(SELECTOR, self.selector)})
        self.receiver = event.container.create_receiver(
            self.conn, f"{HUB}/ConsumerGroups/$Default/Partitions/{self.partition}", options=source_filter)
        # Credit granted in the same output as the attach: attach and flow leave together.
        self.receiver.flow(self.credits[0])
        self.credit_step = 0

    def on_message(self, event):
        if same_link(event.receiver, self.cbs_receiver):
            props = event.message.properties or {}
            self.result["cbs_status"] = props.get("status-code")
            self.result["cbs_correlation"] = event.message.correlation_id
            if SCENARIO == "cbs-wrong-key":
                self.finish()
            else:
                self.open_sender(event)
            return
        annotations = event.message.annotations or {}
        body = event.message.body
        if isinstance(body, (bytes, memoryview)):
            body = bytes(body).decode()
        self.result["received"].append({
            "body": body if len(body) < 100 else f"{body[0]}*{len(body)}",
            "offset": annotations.get("x-opt-offset"),
            "seq": annotations.get("x-opt-sequence-number"),
            "settled": event.delivery.settled,
        })
        expected = len(self.bodies) - {"plain": 1, "proton-selector": 2}.get(SCENARIO, 0)
        if SCENARIO == "flow-control" and len(self.result["received"]) == self.credits[0]:
            event.container.schedule(0.5, CreditStep(self))
        if len(self.result["received"]) >= expected:
            self.finish()


class CreditStep:
    """After a pause, records what arrived on the first credit and grants the next."""

    def __init__(self, peer):
        self.peer = peer

    def on_timer_task(self, event):
        self.peer.result["received_on_first_credit"] = len(self.peer.result["received"])
        self.peer.receiver.flow(self.peer.credits[1])


def main():
    peer = Peer()
    Container(peer).run()
    print(json.dumps(peer.result, default=str))
    sys.exit(1 if peer.result["errors"] else 0)


if __name__ == "__main__":
    main()
