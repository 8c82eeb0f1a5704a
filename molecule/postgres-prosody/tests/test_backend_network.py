"""The database on a backend network (run right after converge, before the data tests).

Both hosts keep their default route on the scenario's first network; the database host listens
on its backend address, and pg_hba.conf lets in exactly the XMPP host's backend address, as
site.yml wired them from the inventory's xmpp_stack_backend_address."""
import json
import subprocess

from conftest import DB_HOST, FRONT_NETWORK, XMPP_HOST, admin_sql, backend_addresses
from conftest_helpers import container_address


def _gateway(network):
    out = subprocess.run(["docker", "network", "inspect", network], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)[0]["IPAM"]["Config"][0]["Gateway"]


def test_default_routes_stay_on_the_first_network(xmpp_host, db_host):
    gateway = _gateway(FRONT_NETWORK)
    for host, name in ((xmpp_host, XMPP_HOST), (db_host, DB_HOST)):
        routes = host.run("ip -4 route show default").stdout.strip().splitlines()
        assert len(routes) == 1 and routes[0].startswith(f"default via {gateway} "), (name, routes)
        assert f" {backend_addresses()[name]}/" in host.run("ip -4 -o addr show").stdout, name


def test_xmpp_host_reaches_the_database_from_its_backend_address(xmpp_host):
    backend = backend_addresses()
    route = xmpp_host.run(f"ip -4 route get {backend[DB_HOST]}").stdout
    assert f" src {backend[XMPP_HOST]} " in route, route
    assert " via " not in route, route


def test_pg_hba_lets_in_exactly_the_xmpp_hosts_backend_address(db_host):
    rows = admin_sql(db_host, "SELECT type, database, user_name, address, netmask, auth_method "
                              "FROM pg_hba_file_rules WHERE type LIKE 'host%' ORDER BY line_number")
    assert rows.splitlines() == [
        f"hostssl|{{prosody}}|{{prosody}}|{backend_addresses()[XMPP_HOST]}|255.255.255.255|scram-sha-256"]


def test_database_listens_on_loopback_and_its_backend_address_with_the_sites_certificate(db_host):
    assert admin_sql(db_host, "SHOW listen_addresses") == f"localhost,{backend_addresses()[DB_HOST]}"
    assert admin_sql(db_host, "SHOW ssl_cert_file") == "/etc/ssl/site-db/server.crt"
    listening = db_host.run("ss -Htln 'sport = :5432'").stdout
    assert f"{backend_addresses()[DB_HOST]}:5432" in listening
    front_address = container_address(DB_HOST, FRONT_NETWORK)
    assert f"{front_address}:5432" not in listening
