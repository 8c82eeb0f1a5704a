"""The brute-force and anti-spam part of the prosody role's configuration model
(plugins/filter/prosody_config.py): which modules and options each switch brings, and the ports a
fail2ban ban closes. The scenario (molecule/prosody/tests/test_abuse.py) proves them on servers."""

from test_prosody_config_filter import DEFAULTS, model

from ansible_collections.xmpp.stack.plugins.filter import prosody_config as pc


def _muc(got):
    return next(c["options"] for c in got["config"]["components"] if c["type"] == "muc")


def test_defaults_subscribe_to_xmppbl_and_send_reports_on():
    got = model()
    glob = got["config"]["global"]
    for name in ("log_auth", "anti_spam", "spam_reporting", "watch_spam_reports", "report_forward"):
        assert name in got["modules_enabled"]
    assert glob["anti_spam_services"] == ["xmppbl.org"]
    assert glob["report_forward_to"] == [] and glob["report_forward_to_origin"] is True
    muc = _muc(got)
    assert "muc_rtbl" in muc["modules_enabled"]
    assert (muc["muc_rtbl_jid"], muc["muc_rtbl_node"]) == ("xmppbl.org", "muc_bans_sha256")
    # Registration is closed by default: no throttle written.
    assert "registration_throttle_max" not in glob


def test_reports_go_to_the_xmpp_abuse_addresses_then_the_extra_jids():
    got = model(prosody_contact_info={"abuse": ["mailto:abuse@example.test", "xmpp:abuse@example.test",
                                                "xmpp:room@conference.example.test?join", "https://example.test/abuse"]},
                prosody_spam_report_forward_to=["mod@example.test", "abuse@example.test"],
                prosody_spam_report_to_origin=False)
    glob = got["config"]["global"]
    assert glob["report_forward_to"] == ["abuse@example.test", "mod@example.test"]
    assert glob["report_forward_to_origin"] is False


def test_empty_settings_switch_each_part_off():
    got = model(prosody_antispam_services=[], prosody_muc_rtbl_service="", prosody_fail2ban_enabled=False)
    assert [m for m in ("anti_spam", "log_auth") if m in got["modules_enabled"]] == []
    assert "anti_spam_services" not in got["config"]["global"]
    muc = _muc(got)
    assert "muc_rtbl" not in muc["modules_enabled"] and "muc_rtbl_jid" not in muc
    # Without the security group: no reports, no block list for messages.
    got = model(prosody_security_enabled=False)
    assert [m for m in ("anti_spam", "spam_reporting", "report_forward") if m in got["modules_enabled"]] == []
    assert "report_forward_to" not in got["config"]["global"]


def test_open_registration_is_throttled_per_address():
    glob = model(prosody_allow_registration=True)["config"]["global"]
    assert (glob["registration_throttle_max"], glob["registration_throttle_period"]) == (
        DEFAULTS["prosody_registration_throttle_max"], DEFAULTS["prosody_registration_throttle_period"])


def test_a_ban_closes_the_login_ports_and_the_proxy_port_but_not_s2s():
    assert model()["fail2ban_ports"] == [5222, 5223, 5280, 5281]
    assert model(prosody_port_443=True)["fail2ban_ports"] == [443, 5222, 5223, 5280, 5281]
    assert model(prosody_http_external_url="https://chat.example.test:8443/xmpp/")["fail2ban_ports"] == \
        [5222, 5223, 5280, 5281, 8443]
    assert model(prosody_http_external_url="https://chat.example.test/xmpp/")["fail2ban_ports"] == \
        [443, 5222, 5223, 5280, 5281]


def test_xmpp_addresses_keep_only_plain_xmpp_uris():
    assert pc.xmpp_addresses(["xmpp:a@b.test", "mailto:a@b.test", "xmpp:c@d.test?message", "xmpp:e.test"]) == \
        ["a@b.test", "e.test"]
