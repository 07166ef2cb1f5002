"""Publishes one CloudEvent in Eventing's AMQP 0-9-1 binary mode with pika (a peer we did not write).

usage: pika_publish.py AMQP_URI EVENT_NAME ID RUN
"""
import json
import sys

import pika

uri, event, event_id, run = sys.argv[1:5]
connection = pika.BlockingConnection(pika.URLParameters(uri))
channel = connection.channel()
channel.confirm_delivery()
body = json.dumps({"run": run, "text": "from pika ✓"}, ensure_ascii=False).encode("utf-8")
headers = {
    "ce_specversion": "1.0",
    "ce_id": event_id,
    "ce_type": event,
    "ce_source": "/python/pika",
    "ce_time": "2026-11-25T12:00:00Z",
    "ce_datacontenttype": "application/json",
    "ce_tenant": "pika-tenant",
}
properties = pika.BasicProperties(
    message_id=event_id,
    content_type="application/json",
    type=event,
    delivery_mode=2,
    headers=headers,
)
channel.basic_publish(exchange="amq.topic", routing_key=event, body=body, properties=properties)
connection.close()
print("PUBLISHED", flush=True)
