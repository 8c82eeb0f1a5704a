# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A second, lightly loaded client beside Tsung (bench/load.py): one-to-one delivery times.

Two accounts log in with slixmpp (the test suite's XMPP client) over STARTTLS; the first sends
the second a chat message every `interval` seconds, addressed to its full JID, and the second
records, for each, the time from the send to its arrival (one process, one clock). Tsung's own
figures include the work of its 10,000 sessions in one Erlang VM; this one shows what the
server does to a client that has nothing else to do: a pause of the server shows as messages
that all arrive at once.

Usage: probe.py SETTINGS OUT, where SETTINGS is a JSON file (0600: it holds the passwords) with
host, port, domain, interval (s) and accounts [[name, password], [name, password]]. Every
arrival appends "SENT_MONOTONIC LATENCY_MS" to OUT (CLOCK_MONOTONIC, the clock bench/load.py's
samples use); the probe runs until it is terminated (SIGTERM), then appends "SENT_MONOTONIC lost"
for every message that had not arrived. The server's certificate is not verified:
the hosts are the benchmark's throwaway ones, with certificates made for the run.
"""

from __future__ import annotations

import asyncio
import json
import signal
import ssl
import sys
import time

import slixmpp


class ProbeClient(slixmpp.ClientXMPP):
    """One probe account; `ready` is set once its session has started."""

    def __init__(self, jid, password):
        super().__init__(jid, password)
        self.ssl_context = ssl.create_default_context()
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.ready = asyncio.Event()
        self.add_event_handler("session_start", self._started)

    async def _started(self, _event):
        self.send_presence()
        self.ready.set()


async def run(settings, out):
    (sender_name, sender_pw), (recipient_name, recipient_pw) = settings["accounts"]
    recipient_jid = "%s@%s/probe" % (recipient_name, settings["domain"])
    sender = ProbeClient("%s@%s/probe" % (sender_name, settings["domain"]), sender_pw)
    recipient = ProbeClient(recipient_jid, recipient_pw)
    sent = {}

    def arrived(msg):
        key = msg["body"]
        if key in sent:
            began = sent.pop(key)
            out.write("%.6f %.3f\n" % (began, (time.monotonic() - began) * 1000))
            out.flush()

    recipient.add_event_handler("message", arrived)
    for client in (sender, recipient):
        client.connect(host=settings["host"], port=settings["port"])
    await asyncio.gather(sender.ready.wait(), recipient.ready.wait())
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    number = 0
    while not stop.is_set():
        number += 1
        key = "probe-%d" % number
        sent[key] = time.monotonic()
        sender.send_message(mto=recipient_jid, mbody=key, mtype="chat")
        try:
            await asyncio.wait_for(stop.wait(), settings["interval"])
        except asyncio.TimeoutError:
            pass
    for began in sent.values():
        out.write("%.6f lost\n" % began)
    out.flush()
    await asyncio.gather(*(client.disconnect(wait=2.0) for client in (sender, recipient)))


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        settings = json.load(f)
    with open(sys.argv[2], "a", encoding="utf-8") as out:
        asyncio.run(run(settings, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
