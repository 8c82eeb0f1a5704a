"""The playbooks' routing of one site-wide list to the hosts serving each domain, and the role's
admin check: prepared names, clear refusals naming the entry."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.xmpp.stack.plugins.filter.xmpp_names import jid_problems, route_by_domain

SERVED = {"xmpp1": ["example.test"], "xmpp2": ["other.test", "third.test"]}
ALICE = {"jid": "alice@example.test", "password": "pw-a"}
BOB = {"jid": "bob@other.test", "password": "pw-b"}


def test_one_site_wide_list_goes_to_the_host_of_each_domain():
    # The same list seen through both hosts' variables (group_vars/all) counts once.
    routed = route_by_domain([ALICE, BOB, ALICE, BOB], SERVED)
    assert routed == {"xmpp1": {"example.test": {"entries": [ALICE], "exclusive": False}},
                      "xmpp2": {"other.test": {"entries": [BOB], "exclusive": False}}}


def test_domains_are_compared_prepared():
    sharp_s = {"jid": "Straße@ＯＴＨＥＲ.test", "password": "pw"}
    assert route_by_domain([sharp_s], SERVED)["xmpp2"]["other.test"]["entries"] == [sharp_s]


def test_name_entries_take_their_host_or_the_default():
    carol = {"name": "carol", "host": "third.test"}
    dave = {"name": "dave"}
    routed = route_by_domain([carol, dave], SERVED, default_host="example.test")
    assert routed["xmpp2"]["third.test"]["entries"] == [carol]
    assert routed["xmpp1"]["example.test"]["entries"] == [dave]


def test_exclusive_prunes_per_domain_on_the_host_serving_it():
    routed = route_by_domain([ALICE], SERVED, exclusive=["example.test", "THIRD.test"])
    assert routed["xmpp1"]["example.test"] == {"entries": [ALICE], "exclusive": True}
    assert routed["xmpp2"] == {"third.test": {"entries": [], "exclusive": True}}
    assert "other.test" not in routed["xmpp2"]


def test_rooms_go_to_the_host_of_their_muc_component():
    rooms = {"xmpp1": ["conference.example.test"], "xmpp2": ["conference.other.test"]}
    team = {"room": "team@conference.other.test"}
    assert route_by_domain([team], rooms, "xmpp_rooms") == {
        "xmpp2": {"conference.other.test": {"entries": [team], "exclusive": False}}}


def test_invitations_go_to_the_host_of_their_domain_each_entry_counting():
    # An invitation names a domain (host: any free name) or an account (jid); two equal entries
    # are two invitations, not one entry listed twice.
    anyone = {"host": "ＯＴＨＥＲ.test", "count": 2}
    named = {"jid": "newbie@example.test"}
    contact = {"type": "contact", "jid": "bob@third.test"}
    routed = route_by_domain([anyone, named, contact, named], SERVED, "xmpp_invites")
    assert routed == {"xmpp1": {"example.test": {"entries": [named, named], "exclusive": False}},
                      "xmpp2": {"other.test": {"entries": [anyone], "exclusive": False},
                                "third.test": {"entries": [contact], "exclusive": False}}}


@pytest.mark.parametrize("entries,kwargs,message", [
    ([{"host": "example.test"}, {"host": "nowhere.test"}, {"host": "nowhere.test"}], {"what": "xmpp_invites"},
     "xmpp_invites: no host of this play serves the domain of nowhere.test (served:"),
    ([{"count": 2}], {"what": "xmpp_invites"}, "xmpp_invites[0] has no jid or host"),
    ([{"jid": "newbie@example.test/phone"}], {"what": "xmpp_invites"}, "xmpp_invites[0] 'newbie@example.test/phone'"),
    ([ALICE, {"jid": "eve@nowhere.test"}], {}, "no host of this play serves the domain of eve@nowhere.test"),
    ([{"room": "r@conference.nowhere.test"}], {"what": "xmpp_rooms"}, "xmpp_rooms: no host of this play serves"),
    ([ALICE, dict(ALICE, role="prosody:admin")], {}, "lists alice@example.test twice, with different settings"),
    ([ALICE, {"jid": "ＡＬＩＣＥ@example.test"}], {}, "lists alice@example.test twice"),
    ([{"jid": "al ice@example.test"}], {}, "xmpp_users[0] 'al ice@example.test': the local part"),
    ([{"jid": "alice@example.test/phone"}], {}, "has a resource"),
    ([{"name": "dave"}], {}, "xmpp_users[0] (name 'dave') needs a host"),
    (["alice@example.test"], {}, "xmpp_users[0] must be a dictionary"),
    ([{"password": "x"}], {}, "xmpp_users[0] has no jid"),
    ([], {"exclusive": "nowhere.test"}, "exclusive domain nowhere.test: no host of this play serves it"),
    ([{"jid": "example.test"}], {}, "expected user@domain"),
])
def test_bad_entries_fail_naming_the_entry(entries, kwargs, message):
    with pytest.raises(AnsibleFilterError) as err:
        route_by_domain(entries, SERVED, **kwargs)
    assert message in str(err.value)


def test_a_domain_served_twice_is_refused():
    with pytest.raises(AnsibleFilterError, match="example.test is served by two hosts"):
        route_by_domain([ALICE], {"a": ["example.test"], "b": ["EXAMPLE.test"]})


def test_admin_problems_name_each_bad_admin():
    assert jid_problems(["admin@example.test", "Straße@example.test"]) == []
    problems = jid_problems(["a b@example.test", "example.test", "x@example.test/res", "\U0001f600@example.test"])
    assert len(problems) == 4
    assert problems[0].startswith("admin 'a b@example.test': the local part")
    assert problems[1] == "admin 'example.test': expected user@domain."
    assert "has a resource" in problems[2]
    assert "unassigned in Unicode 3.2" in problems[3]
