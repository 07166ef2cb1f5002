"""Sends one STOMP message with stomp.py (Debian's python3-stomp) and waits for its receipt.

Usage: stomp_send.py HOST PORT LOGIN PASSCODE VHOST DESTINATION HEADERS_JSON BODY
"""
import sys
import threading
import json

import stomp

host, port, login, passcode, vhost, destination, headers_json, body = sys.argv[1:9]
confirmed = threading.Event()


class Listener(stomp.ConnectionListener):
    def on_receipt(self, frame):
        if frame.headers.get("receipt-id") == "send-1":
            confirmed.set()

    def on_error(self, frame):
        print("ERROR " + json.dumps(frame.headers), file=sys.stderr, flush=True)


conn = stomp.Connection12([(host, int(port))], vhost=vhost)
conn.set_listener("interop", Listener())
conn.connect(login, passcode, wait=True)
conn.send(destination, body.encode("utf-8"), headers={**json.loads(headers_json), "receipt": "send-1"})
ok = confirmed.wait(20)
conn.disconnect()
sys.exit(0 if ok else "no receipt for SEND")
