"""Uploads cannot fill the disk: xmpp1's upload component has a server-wide cap
(prosody_upload_global_quota: 1 MiB in this inventory, Prosody's http_file_share_global_quota)
beside the per-user daily quota. Two users fill it with real uploads (slot, then PUT over HTTPS);
the slot request that would pass the cap is refused with XEP-0363's error (type wait,
resource-constraint), although the file is far below the size limit and its sender below the
daily quota; xmpp2, with the default cap, grants the same request."""
import xml.etree.ElementTree as ET

from conftest_helpers import create_accounts
from slixmpp.exceptions import IqError
from xmpp_client import UPLOAD_NS, https_request, run, session

CAP = 1048576
CHUNK = 400 * 1024


def request_slot(server, account, size, filename):
    """Asks the upload component for a slot: ("slot", put URL, put headers) or
    ("error", type, condition, text)."""
    async def go():
        async with session(server, *account, presence=False) as xmpp:
            iq = xmpp.make_iq_get(ito=f"upload.{server.domain}")
            iq.xml.append(ET.Element(f"{{{UPLOAD_NS}}}request", filename=filename, size=str(size),
                                     **{"content-type": "application/octet-stream"}))
            try:
                reply = await iq.send()
            except IqError as refused:
                error = refused.iq["error"]
                return ("error", error["type"], error["condition"], error["text"])
            put = reply.xml.find(f"{{{UPLOAD_NS}}}slot/{{{UPLOAD_NS}}}put")
            return ("slot", put.get("url"), {h.get("name"): h.text for h in put.findall(f"{{{UPLOAD_NS}}}header")})
    return run(go())


def test_an_upload_that_would_pass_the_global_cap_is_refused(servers):
    server = servers["xmpp1.example.org"]
    users = create_accounts("xmpp1.example.org", server.domain, ["quota-a", "quota-b"])
    stored, refusal = 0, None
    for attempt in range(CAP // CHUNK + 2):
        account = users["quota-a" if attempt % 2 == 0 else "quota-b"]
        answer = request_slot(server, account, CHUNK, f"fill-{attempt}.bin")
        if answer[0] == "error":
            refusal = answer
            break
        _unused, put_url, headers = answer
        headers.update({"Content-Type": "application/octet-stream", "Content-Length": str(CHUNK)})
        assert https_request(server, put_url, "PUT", b"\0" * CHUNK, headers)[0] == 201
        stored += CHUNK
    assert refusal is not None, f"{stored} bytes stored on a {CAP}-byte cap without a refusal"
    assert stored <= CAP < stored + CHUNK
    _unused, error_type, condition, text = refusal
    assert (error_type, condition) == ("wait", "resource-constraint"), refusal
    # Prosody's text for this cap, not the daily quota's or the size limit's.
    assert "global" in text.lower(), refusal


def test_the_same_request_passes_where_the_cap_is_the_default(servers, accounts):
    answer = request_slot(servers["xmpp2.example.net"], accounts["bob"], CHUNK, "probe.bin")
    assert answer[0] == "slot", answer
