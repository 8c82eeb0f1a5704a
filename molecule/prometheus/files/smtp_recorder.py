"""The admin's mail server in the prometheus scenario: Debian's aiosmtpd on loopback, taking mail
only after an SMTP login with the scenario's password (read from a file), and appending
each message as one JSON line (login, envelope, the whole message) to a file the verifier reads.

Usage: python3 smtp_recorder.py ADDRESS PORT LOGIN PASSWORD_FILE RECORD_FILE
"""
import json
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Recorder:
    def __init__(self, record_file):
        self.record_file = record_file

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        login = session.auth_data
        record = {"received": time.time(), "login": login.decode() if login else None,
                  "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "message": envelope.content.decode("utf-8", "replace")}
        with open(self.record_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        return "250 Message accepted"


def authenticator(login, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == login
              and auth_data.password == password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)
    return check


def main():
    address, port, login, password_file, record_file = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
    with open(password_file, "rb") as handle:
        password = handle.read().strip()
    controller = Controller(Recorder(record_file), hostname=address, port=port,
                            authenticator=authenticator(login.encode(), password),
                            auth_required=True, auth_require_tls=False,
                            # Alertmanager's LOGIN expects the challenge "Username:", aiosmtpd
                            # sends "User Name": PLAIN, which both speak.
                            auth_exclude_mechanism=["LOGIN"])
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
