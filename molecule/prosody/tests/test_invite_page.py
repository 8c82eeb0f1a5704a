"""The invitation landing page on both releases and both ways of publishing (Debian 13 on port 443,
Debian 12 with Prosody 13 from bookworm-backports behind nginx at /xmpp/): Prosody's own
`invite create_account` gives the page's link under the host's public URL, Debian's Chromium opens
it (the apps for Linux, Bootstrap and jQuery from /share/), creates the account in the form, and
the account logs in with slixmpp. Every request stays on the public origin. The modules scenario
proves the rest (platforms, contact invitations, the password policy, the module's links)."""
import re
import secrets

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import browser
from conftest_helpers import prosody_shell
from xmpp_client import login

WAIT = 60
VISIBLE_APPS = ("return Array.from(document.querySelectorAll('.client-card'))"
                ".filter(c => !c.hidden).map(c => c.querySelector('.card-title').textContent.trim())")


def create_invitation(host, domain):
    """The link `prosodyctl shell invite create_account` prints (what an admin by hand gets)."""
    out = host.run("prosodyctl shell invite create_account %s", domain)
    links = re.findall(r"https://\S+", out.stdout)
    assert out.rc == 0 and len(links) == 1, "invite create_account printed no single web link"
    return links[0]


def test_invitation_page_signs_up_from_the_public_url(host, server, public):
    name = host.backend.get_hostname()
    link = create_invitation(host, server.domain)
    # Booleans with fixed messages: a failure never prints the token.
    under_public_url = re.fullmatch(re.escape(public.base) + r"invite\?[A-Za-z0-9_-]+", link) is not None
    assert under_public_url, "the invitation link is not <public base>invite?<token>"
    origin = "/".join(public.base.split("/")[:3])
    jid = f"web{secrets.token_hex(3)}@{server.domain}"
    password = secrets.token_urlsafe(16)
    try:
        with browser.chromium(server.ca_file, {server.domain: server.address}, network_log=True) as driver:
            wait = WebDriverWait(driver, WAIT)
            driver.get(link)
            wait.until(lambda d: d.execute_script(VISIBLE_APPS))
            assert driver.title == f"Invite to {server.domain}"
            assert driver.execute_script(VISIBLE_APPS) == ["Dino", "Gajim"]
            assert driver.execute_script("return typeof jQuery.fn.modal") == "function"
            wait.until(lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete)"))
            assert driver.execute_script(
                "return Array.from(document.images).filter(i => i.naturalWidth === 0).length") == 0
            driver.find_element(By.LINK_TEXT, "register an account manually").click()
            wait.until(expected_conditions.element_to_be_clickable((By.NAME, "user"))).send_keys(jid.split("@", maxsplit=1)[0])
            driver.find_element(By.NAME, "password").send_keys(password)
            form = driver.find_element(By.CSS_SELECTOR, "form[method=post]")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            wait.until(browser.page_replaced(form))
            heading = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h5.card-title")))
            assert heading.text == "Congratulations!"
            requested = browser.requested_urls(driver)
        assert any(url.startswith(origin + "/share/jquery/") for url in requested)
        # Over the network (not chrome:// pages of the browser itself): only the public origin.
        network = [url for url in requested if url.startswith(("http:", "https:", "ws:", "wss:"))]
        assert sorted({"/".join(url.split("/")[:3]) for url in network}) == [origin]
        assert login(server, jid, password).jid.startswith(jid)
    finally:
        prosody_shell(name, [f'user:delete("{jid}")'])
