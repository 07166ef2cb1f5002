"""Sends STOMP messages in order with stomp.py (Debian's python3-stomp), each with a receipt, and waits for all.

Usage: stomp_send_frames.py HOST PORT LOGIN PASSCODE VHOST DESTINATION SPEC_FILE
SPEC_FILE is a JSON list of {"headers": {...}, "body": "...", "repeat": N}; the body is repeated N times (default 1),
so a test can send bodies and headers far larger than a command line allows.
"""
import json
import sys
import threading

import stomp

host, port, login, passcode, vhost, destination, spec_file = sys.argv[1:8]
with open(spec_file, encoding="utf-8") as f:
    messages = json.load(f)
pending = {f"send-{i}" for i in range(len(messages))}
lock = threading.Lock()
confirmed = threading.Event()
errors = []


class Listener(stomp.ConnectionListener):
    def on_receipt(self, frame):
        with lock:
            pending.discard(frame.headers.get("receipt-id"))
            if not pending:
                confirmed.set()

    def on_error(self, frame):
        errors.append(frame.headers.get("message", "ERROR"))
        print("ERROR " + json.dumps(frame.headers), file=sys.stderr, flush=True)
        confirmed.set()


conn = stomp.Connection12([(host, int(port))], vhost=vhost)
conn.set_listener("interop", Listener())
conn.connect(login, passcode, wait=True)
for i, message in enumerate(messages):
    body = (message.get("body", "") * message.get("repeat", 1)).encode("utf-8")
    conn.send(destination, body, headers={**message.get("headers", {}), "receipt": f"send-{i}"})
ok = confirmed.wait(60) and not errors
conn.disconnect()
sys.exit(0 if ok else "not every SEND was confirmed: " + "; ".join(errors))
