# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SCRAM credentials exactly as Prosody's mod_auth_internal_hashed stores them.

A record holds ``salt`` (a UUID string used as raw bytes), ``iteration_count`` and the
lowercase hex ``stored_key`` and ``server_key``. Knowing the wanted password, Python can
recompute both keys and tell for certain whether the password is the stored one: that is what
makes ``changed`` a fact instead of a guess. Python also derives new credentials, so plain
passwords never have to leave the module's own process.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stringprep
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor

# Prosody's names for the hashes it can be configured with, and the hex length of their keys.
HASHES = {"SHA-1": "sha1", "SHA-256": "sha256"}
HEX_LENGTH = {40: "SHA-1", 64: "SHA-256"}
MIN_ITERATIONS = 4096


class ScramError(ValueError):
    """A password or record that SCRAM cannot handle (the message names what is wrong)."""


def saslprep(password):
    """RFC 4013 SASLprep, as Prosody applies it before hashing (stored strings profile)."""
    mapped = []
    for ch in password:
        if stringprep.in_table_c12(ch):
            mapped.append(" ")  # non-ASCII spaces map to SPACE
        elif not stringprep.in_table_b1(ch):
            mapped.append(ch)  # B.1 characters map to nothing
    text = unicodedata.normalize("NFKC", "".join(mapped))
    if not text:
        return text
    prohibited = (stringprep.in_table_c12, stringprep.in_table_c21, stringprep.in_table_c22,
                  stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
                  stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
                  stringprep.in_table_c9, stringprep.in_table_a1)
    for ch in text:
        if any(table(ch) for table in prohibited):
            raise ScramError("the password contains a character SASLprep prohibits (U+%04X)" % ord(ch))
    if any(stringprep.in_table_d1(ch) for ch in text):
        # Bidirectional rule: RandALCat text must not contain LCat and must start and end with RandALCat.
        if any(stringprep.in_table_d2(ch) for ch in text) or not (
                stringprep.in_table_d1(text[0]) and stringprep.in_table_d1(text[-1])):
            raise ScramError("the password breaks SASLprep's bidirectional text rule")
    return text


def derive(password, salt, iterations, hash_name):
    """Return (stored_key_hex, server_key_hex) for ``password`` like Prosody's get_auth_db."""
    algorithm = _algorithm(hash_name)
    prepared = saslprep(password)
    if not prepared:
        raise ScramError("the password is empty after SASLprep")
    salted = hashlib.pbkdf2_hmac(algorithm, prepared.encode("utf-8"), salt.encode("utf-8"), int(iterations))
    client_key = hmac.new(salted, b"Client Key", algorithm).digest()
    stored_key = hashlib.new(algorithm, client_key).hexdigest()
    server_key = hmac.new(salted, b"Server Key", algorithm).hexdigest()
    return stored_key, server_key


def new_credentials(password, hash_name, iterations):
    """Fresh credentials with a new UUID salt, as Prosody makes on every password change."""
    salt = str(uuid.uuid4())
    stored_key, server_key = derive(password, salt, iterations, hash_name)
    return {"salt": salt, "iteration_count": int(iterations), "stored_key": stored_key, "server_key": server_key}


def run_parallel(function, items, workers=None):
    """Map ``function`` over ``items`` in threads: hashlib's PBKDF2 releases the GIL,
    so on a host with several cores the hashing floor is divided by the core count."""
    items = list(items)
    if len(items) < 8:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        return list(pool.map(function, items))


def default_workers():
    """One thread per usable core."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return 2


def _algorithm(hash_name):
    try:
        return HASHES[hash_name]
    except KeyError:
        raise ScramError("unsupported password hash %r (Prosody supports %s)" % (hash_name, ", ".join(HASHES)))
