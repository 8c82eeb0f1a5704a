"""The web client at /conversejs, in a real browser (Debian's Chromium): it logs in, sends a
message that a slixmpp client receives, and shows the one sent back. The trixie host's page is
at https://<domain>/conversejs/ (port 443) and connects over websocket; the bookworm host's page
is behind nginx at https://<domain>/xmpp/conversejs/ and is configured for BOSH only. The login
page loads nothing it cannot show: no broken image, no console error."""
import http.client
import json
import os
import pathlib
import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import browser
from conftest_helpers import prosody_shell
from xmpp_client import https_request, mam_bodies, send_chat

ARTIFACTS = pathlib.Path(os.environ["MOLECULE_PROJECT_DIRECTORY"]) / "artifacts" / "molecule" / "prosody"
WAIT = 60


def page_url(public):
    return public.base + "conversejs/"


def expected_method(host):
    transports = host.ansible.get_variables().get("prosody_conversejs_transports", ["websocket", "bosh"])
    return "WebSocket" if transports[0] == "websocket" else "BOSH"


def c2s_methods(container, jid):
    """Connection methods (TCP, WebSocket, BOSH) of jid's sessions, from Prosody itself."""
    out = prosody_shell(container, [f'c2s:show("{jid}", "jid method")'])
    return [line.split("|")[2].strip() for line in out.splitlines()
            if line.count("|") >= 2 and jid in line.split("|")[1]]


def test_page_headers_and_settings(server, public):
    status, headers, body, _tls = https_request(server, page_url(public))
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    # Shared files come from the upload component's public origin.
    upload_origin = "/".join(public.upload_base.split("/")[:3])
    assert f"img-src 'self' data: blob: {upload_origin};" in policy
    assert headers["x-content-type-options"] == "nosniff"
    # Assets by relative URL: the page works under a reverse proxy's path too.
    assert b'src="dist/converse.min.js"' in body
    status, _headers, settings, _tls = https_request(server, page_url(public) + "settings.js")
    assert status == 200
    assert f'"locked_domain": "{server.domain}"'.encode() in settings
    assert f'"muc_domain": "conference.{server.domain}"'.encode() in settings


def test_assets_come_from_the_pinned_release(server, public):
    status, headers, body, _tls = https_request(server, page_url(public) + "dist/converse.min.js")
    assert status == 200 and headers["content-type"] == "text/javascript"
    assert len(body) > 100_000


def test_plain_http_is_sent_to_https(server, public):
    # Straight to Prosody's plain port, not from a trusted proxy: sent to the public page.
    conn = http.client.HTTPConnection(server.address, 5280, timeout=30)
    conn.request("GET", "/conversejs/", headers={"Host": f"{server.domain}:5280"})
    response = conn.getresponse()
    assert response.status == 301
    assert response.getheader("location") == page_url(public)


def test_host_meta_lists_websocket_and_bosh(server, public):
    status, _headers, body, _tls = https_request(server, public.base + ".well-known/host-meta.json")
    assert status == 200
    links = {link["rel"]: link["href"] for link in json.loads(body)["links"]}
    assert links["urn:xmpp:alt-connections:websocket"].endswith("/xmpp-websocket")
    assert links["urn:xmpp:alt-connections:xbosh"].endswith("/http-bind")


BROKEN_IMAGES = "return Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"


def test_login_page_loads_nothing_it_cannot_show(server, public):
    """No broken image (Converse's footer of sponsor logos from a foreign site, blocked by the
    policy) and no console error at all (no CSP violation, no failed request) on the login page."""
    addresses = {server.domain: server.address, f"upload.{server.domain}": server.address}
    with browser.chromium(server.ca_file, addresses) as driver:
        wait = WebDriverWait(driver, WAIT)
        driver.get(page_url(public))
        wait.until(expected_conditions.element_to_be_clickable((By.NAME, "jid")))
        # Give every image of the page time to load or fail.
        wait.until(lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete)"))
        assert driver.execute_script(BROKEN_IMAGES) == []
        errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []


def test_browser_logs_in_and_chats(host, server, accounts, public):
    alice, bob = accounts["alice"], accounts["bob"]
    name = host.backend.get_hostname()
    addresses = {server.domain: server.address, f"upload.{server.domain}": server.address}
    with browser.chromium(server.ca_file, addresses) as driver:
        wait = WebDriverWait(driver, WAIT)
        driver.get(page_url(public))
        login = wait.until(expected_conditions.element_to_be_clickable((By.NAME, "jid")))
        # The domain is locked to the VirtualHost: the login form takes the local part.
        login.send_keys(alice[0].split("@")[0])
        driver.find_element(By.NAME, "password").send_keys(alice[1] + Keys.ENTER)
        # Prosody itself says the browser's session is up, and over which transport.
        wait.until(lambda _d: c2s_methods(name, alice[0]))
        assert c2s_methods(name, alice[0]) == [expected_method(host)]

        # Open a chat with bob through Converse's own route and type a message.
        driver.execute_script(f"window.location.hash = 'converse/chat?jid={bob[0]}'")
        textarea = wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "textarea.chat-textarea")))
        to_bob = f"from the browser {uuid.uuid4()}"
        textarea.send_keys(to_bob + Keys.ENTER)
        deadline = time.monotonic() + WAIT
        while to_bob not in mam_bodies(server, bob, with_jid=alice[0]) and time.monotonic() < deadline:
            time.sleep(1)
        assert to_bob in mam_bodies(server, bob, with_jid=alice[0])

        to_alice = f"from slixmpp {uuid.uuid4()}"
        send_chat(server, bob, alice[0], to_alice)
        wait.until(lambda d: to_alice in d.find_element(By.TAG_NAME, "body").text)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / f"webclient-{name}.png"))
        # Nothing was blocked by the page's policy: no script, style, font, image or connection.
        blocked = [entry["message"] for entry in driver.get_log("browser")
                   if "Content Security Policy" in entry["message"]]
        assert not blocked, blocked
