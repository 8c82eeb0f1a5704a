"""The admin's webhook receiver in the prometheus scenario: a plain HTTP server that appends every
POST it gets (Alertmanager's webhook notifications) as one JSON line to a file the verifier reads.

Usage: python3 webhook_recorder.py ADDRESS PORT FILE
"""
import http.server
import json
import sys
import time


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        try:
            payload = json.loads(body)
        except ValueError:
            self.send_error(400, "not JSON")
            return
        record = {"path": self.path, "received": time.time(), "body": payload}
        with open(self.server.record_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    address, port, record_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    server = http.server.HTTPServer((address, port), Recorder)
    server.record_file = record_file
    server.serve_forever()


if __name__ == "__main__":
    main()
