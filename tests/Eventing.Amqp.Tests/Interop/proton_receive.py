"""Receives one message with Qpid Proton and prints what a peer we did not write sees, as JSON.

Usage: /usr/bin/python3 proton_receive.py URL ADDRESS
"""
import json
import sys

from proton.utils import BlockingConnection

url, address = sys.argv[1:3]
connection = BlockingConnection(url, sasl_enabled=True, allowed_mechs="PLAIN", timeout=30)
try:
    receiver = connection.create_receiver(address, credit=1)
    message = receiver.receive(timeout=30)
    receiver.accept()
    body = message.body
    print(json.dumps({
        "id": message.id,
        "content_type": message.content_type,
        "correlation_id": message.correlation_id,
        "durable": message.durable,
        "body_type": type(body).__name__,
        "body": body.decode("utf-8") if isinstance(body, (bytes, memoryview)) else str(body),
        "properties": {key: value for key, value in (message.properties or {}).items()},
        "property_types": {key: type(value).__name__ for key, value in (message.properties or {}).items()},
    }))
finally:
    connection.close()
