# Installed by the xmpp.stack certbot role on Debian 12 only, as
# /usr/local/lib/xmpp-stack/certbot-acme-error-fix.py; run with /usr/bin/python3.
"""certbot with upstream's fix for ACME errors under Python 3.11 (certbot issue 9539).

Debian 12 ships python3-acme 2.1.0 with Python 3.11. Python 3.11 sets __traceback__ on an
exception that leaves a `with` block, and acme 2.1's Error is immutable, so any problem the CA
reports there (a badNonce that RFC 8555 says to retry, a failed validation) ends certbot with
"AttributeError: can't set attribute" instead of being retried or reported. acme 2.3.0 made
Error mutable again; this applies the same change at start-up, without touching the package.
"""
import sys

from acme import messages


def _set_attribute(self, name, value):
    object.__setattr__(self, name, value)


messages.Error.__setattr__ = _set_attribute

if __name__ == "__main__":
    from certbot.main import main

    sys.exit(main())
