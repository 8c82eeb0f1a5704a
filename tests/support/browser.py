"""Debian's Chromium, headless, driven through its own ChromeDriver by Selenium, for the web
client's tests. It trusts exactly one extra CA (the scenario's lab CA, put in a fresh NSS database
of its own) and resolves the test domains to the test hosts' addresses: certificate checks stay on.
"""
import contextlib
import json
import os
import shutil
import subprocess
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service


@contextlib.contextmanager
def chromium(ca_file, addresses, network_log=False):
    """addresses: {DNS name: IPv4 address}. Yields a WebDriver; removes its profile afterwards.
    With network_log, every request the browser makes is in driver.get_log("performance") (see
    requested_urls)."""
    home = tempfile.mkdtemp(prefix="xmpp-stack-chromium-")
    try:
        nssdb = os.path.join(home, ".pki", "nssdb")
        os.makedirs(nssdb)
        subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "xmpp.stack lab CA",
                        "-t", "C,,", "-i", ca_file], check=True)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        rules = ",".join(f"MAP {name} {address}" for name, address in addresses.items())
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         f"--user-data-dir={home}/profile", f"--host-resolver-rules={rules}",
                         "--window-size=1280,900"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", **({"performance": "ALL"} if network_log else {})})
        # Chromium reads its NSS database from $HOME/.pki/nssdb.
        service = Service("/usr/bin/chromedriver", env=dict(os.environ, HOME=home))
        driver = webdriver.Chrome(options=options, service=service)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def requested_urls(driver):
    """The URLs of the requests the browser sent since the last call (pages, scripts, styles,
    images, fetches: DevTools' Network.requestWillBeSent), from a driver made with network_log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def page_replaced(element):
    """A WebDriverWait condition: true once the document that held element (a WebElement, e.g. a
    submitted form) has been replaced by the next page. Like Selenium's staleness_of, except that
    an element of a document Chromium is still unloading can answer "unknown error: Node with given
    id does not belong to the document" instead of a stale reference (seen in the modules and
    prosody scenarios' CI runs): that is the same navigation under way, so the wait polls again.
    Any other WebDriver error is raised."""
    def predicate(_driver):
        try:
            element.is_enabled()
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" not in str(error.msg):
                raise
        return False
    return predicate
