"""The invitation landing page in a real browser (Debian's Chromium): an invited person opens the
link prosody_invite returned, sees the apps of their platform with the logos Prosody serves, picks
one, creates the account in the registration form, and the account logs in with slixmpp. A reset
link (the role's mod_invites_reset_web) sets a new password in the browser. Every request the
browser sends goes to the XMPP domain's own origin (DevTools' network log), none to a store or a
CDN.

Every account made here is deleted again (test_users.py holds example.test to the inventory's).
"""

import json
import re
import secrets

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import browser
from conftest import module_task
from xmpp_client import can_login, roster

MODULE = "xmpp.stack.prosody_invite"
DOMAIN = "example.test"
ORIGIN = "https://%s:5281" % DOMAIN
WAIT = 60
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Mobile Safari/537.36")
VISIBLE_APPS = ("return Array.from(document.querySelectorAll('.client-card'))"
                ".filter(c => !c.hidden).map(c => c.querySelector('.card-title').textContent.trim())")
BROKEN_IMAGES = "return Array.from(document.images).filter(i => i.complete && i.naturalWidth === 0).map(i => i.src)"


@pytest.fixture
def chromium(address, cafile):
    with browser.chromium(cafile, {DOMAIN: address, "other.test": address}, network_log=True) as driver:
        yield driver


def create(**args):
    result = module_task(MODULE, args)
    assert not result.get("failed"), result.get("msg")
    return result["invitations"][0]


def origins(urls):
    """The origins of the requests that went over the network (not chrome://, data:, blob:)."""
    return sorted({"/".join(url.split("/")[:3]) for url in urls if url.startswith(("http:", "https:", "ws:", "wss:"))})


def register_in_browser(driver, wait, jid, password):
    """On the registration form: the local part and the password, then the next page's heading
    and the address it shows (None when it shows none)."""
    wait.until(expected_conditions.element_to_be_clickable((By.NAME, "user"))).send_keys(jid.split("@")[0])
    driver.find_element(By.NAME, "password").send_keys(password)
    form = driver.find_element(By.CSS_SELECTOR, "form[method=post]")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(browser.page_replaced(form))
    heading = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h5.card-title"))).text
    shown = driver.find_elements(By.CSS_SELECTOR, "input.form-control-plaintext")
    alert = driver.find_elements(By.CSS_SELECTOR, ".alert")
    return heading, shown[0].get_attribute("value") if shown else None, alert[0].text if alert else ""


def test_an_invited_person_signs_up_on_the_landing_page(chromium, address, cafile, accounts):
    driver, wait = chromium, WebDriverWait(chromium, WAIT)
    invitation = create(host=DOMAIN)
    # The link the module returns is the page Prosody serves (booleans: a failure prints no token).
    link_ok = invitation["landing_page"] == "%s/invite?%s" % (ORIGIN, invitation["token"])
    assert link_ok, "the landing page link is not https://example.test:5281/invite?<token>"
    driver.get(invitation["landing_page"])
    wait.until(lambda d: d.execute_script(VISIBLE_APPS))
    assert driver.title == "Invite to Example family chat"
    # Headless Chromium on Linux: the Linux apps; the others are a click away.
    assert driver.execute_script(VISIBLE_APPS) == ["Dino", "Gajim"]
    assert "Showing apps for Linux (Linux) only" in driver.find_element(By.ID, "show-all-clients-button-container").text
    # Bootstrap and jQuery from /share/ (Debian's libjs packages) and Debian's logos: all shown.
    assert driver.execute_script("return typeof jQuery.fn.modal") == "function"
    button = driver.find_element(By.CSS_SELECTOR, ".client-card .btn-primary")
    assert button.value_of_css_property("background-color") == "rgba(0, 123, 255, 1)"
    wait.until(lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete)"))
    assert driver.execute_script(BROKEN_IMAGES) == []
    logos = driver.execute_script("return Array.from(document.querySelectorAll('.client-card img')).map(i => i.src)")
    assert len(logos) == 5 and all(src.startswith(ORIGIN + "/register_apps/assets/logos/") for src in logos)

    # The same page on an Android phone offers the Android app.
    linux = driver.execute_script("return navigator.userAgent")
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": ANDROID})
    driver.refresh()
    wait.until(lambda d: d.execute_script(VISIBLE_APPS) == ["Conversations"])
    driver.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": linux})
    driver.refresh()

    # Pick Gajim: the registration form, then the app's setup page with the new address.
    wait.until(lambda d: "Gajim" in d.execute_script(VISIBLE_APPS))
    gajim = driver.find_element(By.XPATH, "//div[contains(@class,'client-card')][.//h5[normalize-space()='Gajim']]//a")
    gajim.click()
    assert driver.current_url.startswith(ORIGIN + "/register?")
    jid, password = accounts("web"), secrets.token_urlsafe(16)
    assert register_in_browser(driver, wait, jid, password)[:2] == ("Congratulations!", jid)
    assert driver.find_element(By.LINK_TEXT, "Download Gajim").get_attribute("href") == "https://gajim.org/download/"
    # The account is real: it logs in over XMPP.
    assert can_login(jid, password, address, cafile)

    # A used invitation is gone: its link now says so.
    driver.get(invitation["landing_page"])
    heading = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h5.card-title")))
    assert heading.text == "Invite expired"

    # Nothing left the domain's own origin: pages, styles, scripts, logos.
    requested = browser.requested_urls(driver)
    assert any("/share/bootstrap4/css/bootstrap.min.css" in url for url in requested)
    assert origins(requested) == [ORIGIN]


def test_the_form_keeps_the_password_policy(chromium, accounts):
    driver, wait = chromium, WebDriverWait(chromium, WAIT)
    invitation = create(host=DOMAIN)
    driver.get("%s/register?t=%s" % (ORIGIN, invitation["token"]))
    jid = accounts("short")
    # The browser's own check (minlength) is bypassed so that the server's answer is what counts.
    wait.until(expected_conditions.presence_of_element_located((By.NAME, "password")))
    driver.execute_script("document.querySelector('input[name=password]').removeAttribute('minlength')")
    heading, shown, alert = register_in_browser(driver, wait, jid, "seven77")
    assert heading == "Create an account" and shown is None
    assert "Password is too short (minimum 8 characters)" in alert
    module_task(MODULE, {"action": "revoke", "host": DOMAIN, "tokens": [invitation["token"]]})


def test_a_contact_invitation_signed_up_in_the_browser_makes_mutual_contacts(chromium, address, cafile, accounts):
    driver, wait = chromium, WebDriverWait(chromium, WAIT)
    inviter, inviter_password = accounts("inviter", "other.test"), secrets.token_urlsafe(16)
    result = module_task("xmpp.stack.prosody_user", {"jid": inviter, "password": inviter_password})
    assert result.get("changed") and not result.get("failed"), result.get("msg")
    invitation = create(type="contact", jid=inviter)
    link_ok = invitation["landing_page"] == "https://other.test:5281/invite?%s" % invitation["token"]
    assert link_ok, "the landing page link is not https://other.test:5281/invite?<token>"
    driver.get(invitation["landing_page"])
    # other.test has no site_name of its own: the role's prosody_invites_site_name.
    wait.until(expected_conditions.presence_of_element_located((By.LINK_TEXT, "register an account manually")))
    assert driver.title == "Invite to xmpp.stack lab"
    driver.find_element(By.LINK_TEXT, "register an account manually").click()
    newcomer, password = accounts("friend", "other.test"), secrets.token_urlsafe(16)
    assert register_in_browser(driver, wait, newcomer, password)[:2] == ("Congratulations!", newcomer)
    # After a sign-up without an app, the form offers the site's own web client.
    web = driver.find_element(By.LINK_TEXT, "Log in via web").get_attribute("href")
    assert web == "https://other.test:5281/conversejs/"
    assert roster(newcomer, password, address, cafile).get(inviter) == "both"
    assert roster(inviter, inviter_password, address, cafile).get(newcomer) == "both"
    assert origins(browser.requested_urls(driver)) == ["https://other.test:5281"]


def network(driver):
    """Since the last read of DevTools' log: the URLs requested, and each URL's response headers
    (lower-case names), one dict per response."""
    urls, headers = [], {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            headers.setdefault(response["url"], []).append({k.lower(): v for k, v in response["headers"].items()})
    return urls, headers


def submit_new_password(driver, wait, password):
    """On the reset page: the new password twice; the next page's heading and its alert text."""
    form = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "form[method=post]")))
    for name in ("password", "password_confirm"):
        field = driver.find_element(By.NAME, name)
        field.clear()
        field.send_keys(password)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(browser.page_replaced(form))
    heading = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h5.card-title"))).text
    alert = driver.find_elements(By.CSS_SELECTOR, ".alert")
    return heading, alert[0].text if alert else ""


def test_a_reset_link_sets_a_new_password_in_the_browser(chromium, address, cafile, accounts, host):
    driver, wait = chromium, WebDriverWait(chromium, WAIT)
    since = int(host.run("date +%s").stdout)
    # Quotes and a dollar sign, in the old password and in the new one.
    jid, old = accounts("forgetful"), "it's \"$HOME\" " + secrets.token_urlsafe(8)
    result = module_task("xmpp.stack.prosody_user", {"jid": jid, "password": old})
    assert result.get("changed") and not result.get("failed"), result.get("msg")
    assert can_login(jid, old, address, cafile)
    invitation = create(type="reset", jid=jid)
    assert invitation["type"] == "reset" and invitation["uri"].startswith("xmpp:%s?register;preauth=" % jid)
    # Booleans with fixed messages: a failure prints no token.
    link_ok = invitation["landing_page"] == "%s/reset?t=%s" % (ORIGIN, invitation["token"])
    assert link_ok, "the reset link is not https://example.test:5281/reset?t=<token>"

    driver.get(invitation["landing_page"])
    heading = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h5.card-title")))
    assert heading.text == "Set a new password" and driver.title == "Example family chat"
    # The page names the account; Bootstrap from /share styles it.
    assert driver.find_element(By.ID, "account").get_attribute("value") == jid
    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    assert button.value_of_css_property("background-color") == "rgba(0, 123, 255, 1)"
    # The policy of the sign-up form: the server refuses 7 characters (the browser's own minlength
    # check bypassed), and the password stays as it was.
    driver.execute_script("document.querySelectorAll('input[minlength]').forEach(i => i.removeAttribute('minlength'))")
    heading, alert = submit_new_password(driver, wait, "seven77")
    assert heading == "Set a new password" and "Password is too short (minimum 8 characters)" in alert
    assert can_login(jid, old, address, cafile)

    new = "new \"pa$$\" 'word' " + secrets.token_urlsafe(8)
    heading, alert = submit_new_password(driver, wait, new)
    assert heading == "Password changed" and alert == ""
    assert jid in driver.find_element(By.CSS_SELECTOR, ".card-body").text
    assert can_login(jid, new, address, cafile)
    assert not can_login(jid, old, address, cafile)

    # Used: the same link now shows Prosody's page for a used invitation, and Prosody lists it no more.
    driver.get(invitation["landing_page"])
    heading = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "h5.card-title")))
    assert heading.text == "Invite expired"
    listed = invitation["token"] in host.run("prosodyctl shell invite list %s" % DOMAIN).stdout
    assert not listed, "the used reset invitation is still listed"

    requested, headers = network(driver)
    assert any(url.startswith(ORIGIN + "/share/bootstrap4/css/bootstrap.min.css") for url in requested)
    assert origins(requested) == [ORIGIN]
    # Every answer of the reset page (form, refusal, success, used link) keeps no copy anywhere.
    pages = [h for url, answers in headers.items() if url.startswith(ORIGIN + "/reset?") for h in answers]
    assert len(pages) == 4
    assert all(h.get("cache-control") == "no-cache, no-store, must-revalidate" for h in pages)
    # Prosody's own `invite create_reset` prints the same page's link (the module's invite-created hook).
    printed = host.run("prosodyctl shell invite create_reset %s" % jid).stdout
    made = re.findall(r"%s/reset\?t=([A-Za-z0-9_-]+)" % re.escape(ORIGIN), printed)
    assert len(made) == 1, "invite create_reset printed no reset page link"
    assert module_task(MODULE, {"action": "revoke", "host": DOMAIN, "tokens": made})["changed"]
    # Prosody logged the reset, but neither the token nor a password.
    journal = host.run("journalctl -u prosody --since @%d -o cat" % since).stdout
    assert "Password of %s reset through the web page" % jid in journal
    leaked = [what for what, value in (("token", invitation["token"]), ("old", old), ("new", new), ("short", "seven77"))
              if value in journal]
    assert leaked == []
