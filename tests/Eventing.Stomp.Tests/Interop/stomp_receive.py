"""Receives STOMP messages with stomp.py (Debian's python3-stomp) and prints each as one JSON line.

Usage: stomp_receive.py HOST PORT LOGIN PASSCODE VHOST DESTINATION HEADERS_JSON COUNT TIMEOUT_S
Prints READY once the SUBSCRIBE is confirmed by a receipt, then {"headers": {...}, "body": "<base64>"} per message.
"""
import base64
import json
import sys
import threading

import stomp

host, port, login, passcode, vhost, destination, headers_json, count, timeout = sys.argv[1:10]
count = int(count)
received = []
done = threading.Event()
subscribed = threading.Event()


class Listener(stomp.ConnectionListener):
    def on_receipt(self, frame):
        if frame.headers.get("receipt-id") == "sub-1":
            subscribed.set()

    def on_message(self, frame):
        body = frame.body if isinstance(frame.body, bytes) else frame.body.encode("utf-8")
        print(json.dumps({"headers": frame.headers, "body": base64.b64encode(body).decode("ascii")}), flush=True)
        conn.ack(frame.headers["ack"], frame.headers["subscription"])
        received.append(frame)
        if len(received) >= count:
            done.set()

    def on_error(self, frame):
        print("ERROR " + json.dumps(frame.headers), file=sys.stderr, flush=True)


conn = stomp.Connection12([(host, int(port))], vhost=vhost, auto_decode=False)
conn.set_listener("interop", Listener())
conn.connect(login, passcode, wait=True)
conn.subscribe(destination, id="1", ack="client-individual", headers={**json.loads(headers_json), "receipt": "sub-1"})
if not subscribed.wait(20):
    sys.exit("no receipt for SUBSCRIBE")
print("READY", flush=True)
ok = done.wait(float(timeout))
conn.disconnect()
sys.exit(0 if ok else "timed out waiting for messages")
