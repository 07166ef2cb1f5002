"""Receives one message for an event with pika and prints body, headers and properties as JSON.

usage: pika_receive.py AMQP_URI EVENT_NAME
Prints READY once its queue is bound, then one JSON line with the message.
"""
import base64
import json
import sys

import pika

uri, event = sys.argv[1:3]
connection = pika.BlockingConnection(pika.URLParameters(uri))
channel = connection.channel()
queue = channel.queue_declare(queue="", exclusive=True, auto_delete=True).method.queue
channel.queue_bind(queue=queue, exchange="amq.topic", routing_key=event)
print("READY", flush=True)


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


for method, properties, body in channel.consume(queue, auto_ack=True, inactivity_timeout=60):
    if method is None:
        print(json.dumps({"error": "no message within 60 s"}), flush=True)
        sys.exit(1)
    print(json.dumps({
        "body": base64.b64encode(body).decode("ascii"),
        "headers": {key: text(value) for key, value in (properties.headers or {}).items()},
        "message_id": properties.message_id,
        "content_type": properties.content_type,
        "correlation_id": properties.correlation_id,
        "type": properties.type,
        "delivery_mode": properties.delivery_mode,
    }), flush=True)
    break
connection.close()
