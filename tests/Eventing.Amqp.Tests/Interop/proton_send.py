"""Sends one event with Qpid Proton the way the CloudEvents AMQP binding describes it (binary mode).

Usage: /usr/bin/python3 proton_send.py URL ADDRESS ID TYPE BODY
"""
import sys

from proton import Message
from proton.utils import BlockingConnection

url, address, event_id, event_type, body = sys.argv[1:6]
connection = BlockingConnection(url, sasl_enabled=True, allowed_mechs="PLAIN", timeout=30)
try:
    sender = connection.create_sender(address)
    message = Message(
        id=event_id,
        content_type="application/json",
        correlation_id="proton-corr",
        durable=True,
        # inferred: bytes go into one Data section, not an AmqpValue.
        inferred=True,
        body=body.encode("utf-8"),
        properties={
            "cloudEvents_specversion": "1.0",
            "cloudEvents_id": event_id,
            "cloudEvents_type": event_type,
            "cloudEvents_source": "/python/proton",
            "cloudEvents_time": "2026-11-25T10:00:00.5Z",
            "cloudEvents_datacontenttype": "application/json",
            "cloudEvents_tenant": "acme",
        },
    )
    sender.send(message, timeout=30)
finally:
    connection.close()
