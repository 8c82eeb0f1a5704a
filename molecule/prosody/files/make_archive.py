"""Builds a byte-for-byte reproducible prosody-modules style archive and its sha256.

Usage: make_archive.py SOURCE_DIR ARCHIVE.tar.gz  (writes ARCHIVE.tar.gz.sha256 too)
Fixed mtimes and owners make the checksum depend only on the module files, as a pinned
upstream archive's does.
"""
import gzip
import hashlib
import io
import os
import sys
import tarfile


def add_tree(tar, source, prefix):
    for root, dirs, files in os.walk(source):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                data = handle.read()
            info = tarfile.TarInfo(prefix + "/" + os.path.relpath(path, source))
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))


def main(source, archive):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        add_tree(tar, source, "prosody-modules-test1")
    with open(archive, "wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="") as gz:
        gz.write(raw.getvalue())
    with open(archive, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    with open(archive + ".sha256", "w", encoding="ascii") as handle:
        handle.write(digest)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
