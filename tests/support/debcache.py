"""A small caching HTTP proxy for apt, shared by every test host of the test bed.

Debian's apt-cacher-ng cannot resolve mirror names inside this sandbox, so the test bed runs this
instead. Only ``.deb`` files are cached: they never change under one file name. Index files
(InRelease, Packages) always go to the mirror, so apt sees the archive as it is today.
"""
import argparse
import http.server
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request


class Handler(http.server.BaseHTTPRequestHandler):
    cache_dir = "/var/cache/xmpp-stack/debs"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: apt prints its own progress
        pass

    def _target(self):
        url = self.path
        if not url.startswith("http://"):
            # apt talks to a proxy with absolute URLs; a plain path means "host/path" form.
            url = "http://" + url.lstrip("/")
        return url

    def _send_file(self, path, head):
        size = os.path.getsize(path)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.send_header("Content-Type", "application/vnd.debian.binary-package")
        self.end_headers()
        if not head:
            with open(path, "rb") as f:
                shutil.copyfileobj(f, self.wfile)

    def _relay(self, head):
        url = self._target()
        parts = urllib.parse.urlsplit(url)
        cacheable = parts.path.endswith(".deb") and ".." not in parts.path
        local = os.path.join(self.cache_dir, parts.netloc, parts.path.lstrip("/"))
        if cacheable and os.path.isfile(local):
            return self._send_file(local, head)
        req = urllib.request.Request(url, method="HEAD" if head else "GET")
        for name in ("If-Modified-Since", "Range", "If-Range"):
            if self.headers.get(name) and not cacheable:
                req.add_header(name, self.headers[name])
        try:
            upstream = urllib.request.urlopen(req, timeout=60)
        except urllib.error.HTTPError as err:
            self.send_response(err.code)
            for name in ("Last-Modified", "Content-Type"):
                if err.headers.get(name):
                    self.send_header(name, err.headers[name])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        except OSError as err:
            self.send_error(502, str(err))
            return None
        with upstream:
            if cacheable and not head:
                os.makedirs(os.path.dirname(local), exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=os.path.dirname(local))
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(upstream, out)
                os.replace(tmp, local)  # atomic: hosts downloading the same file never see half
                return self._send_file(local, head)
            self.send_response(upstream.status)
            for name in ("Content-Length", "Content-Type", "Last-Modified", "ETag", "Content-Range"):
                if upstream.headers.get(name):
                    self.send_header(name, upstream.headers[name])
            if upstream.headers.get("Content-Length") is None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if not head:
                shutil.copyfileobj(upstream, self.wfile)
        return None

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._relay(head=False)

    def do_HEAD(self):  # noqa: N802
        self._relay(head=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3142)
    parser.add_argument("--cache-dir", default=Handler.cache_dir)
    args = parser.parse_args()
    Handler.cache_dir = args.cache_dir
    os.makedirs(args.cache_dir, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("0.0.0.0", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
