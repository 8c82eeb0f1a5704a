"""Where a test host's HTTP services are published, as the role's variables say (not as the
server answers), and whether Prosody itself listens on a port: the tests compare them with what
the clients of xmpp_client find at the full URLs.

- prosody_port_443: https://<domain>/ and https://upload.<domain>/, no port;
- prosody_http_external_url (a reverse proxy): that base URL for the host and its uploads;
- neither: Prosody's own HTTPS port, https://<domain>:5281/."""
from dataclasses import dataclass


@dataclass
class Public:
    base: str          # the VirtualHost's services: <base>http-bind, <base>conversejs/, ...
    upload_base: str   # upload slots start with <upload_base>file_share/
    port_443: bool

    @classmethod
    def of(cls, variables, domain):
        external = variables.get("prosody_http_external_url", "")
        if external:
            return cls(base=external, upload_base=external, port_443=False)
        if variables.get("prosody_port_443", False):
            return cls(base=f"https://{domain}/", upload_base=f"https://upload.{domain}/", port_443=True)
        return cls(base=f"https://{domain}:5281/", upload_base=f"https://upload.{domain}:5281/", port_443=False)


def prosody_uid(host):
    return int(host.run("id -u prosody").stdout)


def prosody_listens(host, port):
    """Whether a listening TCP socket on port belongs to the prosody user (not nginx, not root)."""
    uid, found = prosody_uid(host), False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in host.file(table).content_string.splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found = found or int(fields[7]) == uid
    return found
