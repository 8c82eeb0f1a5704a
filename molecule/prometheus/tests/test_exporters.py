"""Every host runs the exporters its inventory groups call for."""


def test_node_exporter_runs_everywhere(host):
    service = host.service("prometheus-node-exporter")
    assert service.is_running
    assert service.is_enabled
    assert host.socket("tcp://0.0.0.0:9100").is_listening or host.socket("tcp://:::9100").is_listening


def test_postgres_exporter_only_on_database_hosts(host):
    groups = host.ansible.get_variables()["group_names"]
    installed = host.package("prometheus-postgres-exporter").is_installed
    assert installed == ("db_servers" in groups)
    if installed:
        assert host.service("prometheus-postgres-exporter").is_running
        # The exporter's database role may read statistics, nothing more.
        member = host.run(
            "runuser -u postgres -- psql -XtAc "
            "\"SELECT pg_has_role('prometheus', 'pg_monitor', 'member')\"")
        assert member.stdout.strip() == "t"


def test_server_only_on_monitoring_hosts(host):
    groups = host.ansible.get_variables()["group_names"]
    assert host.package("prometheus").is_installed == ("monitoring_servers" in groups)
