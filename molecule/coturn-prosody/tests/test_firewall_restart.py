"""Restarting nftables.service (a package upgrade does) keeps the tables that are not the host
firewall's: Debian's unit stops with 'nft flush ruleset', and site.yml's firewall replaces that
with a drop-in that deletes only its own table (inet xmpp_stack). The XMPP host has all three:
Docker's embedded DNS (ip nat, inside the container), fail2ban's bans (inet f2b-table) and ours."""
XMPP_HOST = "coturn-prosody-xmpp"
BANNED = "192.0.2.77"  # a documentation address: nobody the tests need

testinfra_hosts = [f"ansible://{XMPP_HOST}"]


def tables(host):
    """The nftables tables on the host, as 'family name'."""
    return {line.removeprefix("table ") for line in host.check_output("nft list tables").splitlines()}


def test_restarting_nftables_keeps_dockers_and_fail2bans_tables(host):
    # fail2ban makes its table at the jail's first ban.
    host.check_output("fail2ban-client set prosody banip %s", BANNED)
    try:
        before = tables(host)
        assert {"ip nat", "inet f2b-table", "inet xmpp_stack"} <= before, before
        host.check_output("systemctl restart nftables.service")
        assert tables(host) == before
        assert BANNED in host.check_output("nft list table inet f2b-table")
        assert "policy drop" in host.check_output("nft list table inet xmpp_stack")
        # Names still resolve through Docker's embedded DNS (the TURN host's network alias).
        host.check_output("getent hosts turn.example.test")
    finally:
        host.check_output("fail2ban-client set prosody unbanip %s", BANNED)
