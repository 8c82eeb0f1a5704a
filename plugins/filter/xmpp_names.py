# -*- coding: utf-8 -*-
# Copyright: xmpp.stack developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for names that must be checked where no Prosody answers: the role's preflight (before
Prosody is installed) and the playbooks that send each account and room to the host serving its
domain. They prepare names with jidprep.py, which the unit tests hold equal to Prosody 13's own
preparation (tests/unit/fixtures/jid_vectors.json)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.xmpp.stack.plugins.module_utils.jidprep import JIDError, prep_bare

_display = Display()


def jid_problems(jids, what="admin"):
    """Messages for the JIDs Prosody cannot prepare or that are not bare JIDs (empty when all are
    usable); a warning names each one Prosody will use in another spelling."""
    problems = []
    for jid in jids or []:
        try:
            node, host = prep_bare(jid)
        except JIDError as exc:
            problems.append("%s %r: %s." % (what, jid, exc))
            continue
        if node is None:
            problems.append("%s %r: expected user@domain." % (what, jid))
            continue
        if "%s@%s" % (node, host) != jid:
            _display.warning("%s %r is %s@%s for Prosody (nodeprep/nameprep): that is the JID it applies to"
                             % (what, jid, node, host))
    return problems


def _domain(entry, what, index, default_host):
    if not isinstance(entry, dict):
        raise AnsibleFilterError("%s[%d] must be a dictionary, got %r" % (what, index, entry))
    if what == "xmpp_rooms":
        raw = entry.get("room")
    elif what == "xmpp_invites":
        # An invitation names an account (jid) or only the domain (host: any free name there).
        raw = entry.get("jid") or entry.get("host")
    elif entry.get("jid"):
        raw = entry["jid"]
    elif entry.get("name"):
        if not (entry.get("host") or default_host):
            raise AnsibleFilterError("%s[%d] (name %r) needs a host (or jid)" % (what, index, entry["name"]))
        raw = "%s@%s" % (entry["name"], entry.get("host") or default_host)
    else:
        raw = None
    if not isinstance(raw, str) or not raw:
        key = {"xmpp_rooms": "room", "xmpp_invites": "jid or host"}.get(what, "jid (or name and host)")
        raise AnsibleFilterError("%s[%d] has no %s" % (what, index, key))
    try:
        node, host = prep_bare(raw)
    except JIDError as exc:
        raise AnsibleFilterError("%s[%d] %r: %s" % (what, index, raw, exc))
    if node is None:
        if what == "xmpp_invites" and not entry.get("jid"):
            return host, host
        raise AnsibleFilterError("%s[%d] %r: expected user@domain" % (what, index, raw))
    return "%s@%s" % (node, host), host


def route_by_domain(entries, served, what="xmpp_users", default_host=None, exclusive=None):
    """Split one site-wide list into {inventory host: {domain: {entries: [...], exclusive: bool}}}.

    ``served`` maps each inventory host to the domains it serves (VirtualHosts for accounts, MUC
    components for rooms). Entries listed identically by several hosts' variables (one list in
    group_vars/all) count once; an account or room listed twice in different forms, one whose
    domain no host serves, or one served by two hosts, fails here, before anything changes.
    ``exclusive`` names domains to prune: each gets a (maybe empty) list on the host serving it.
    For ``xmpp_invites`` every entry is its own request (two equal entries make two invitations).
    """
    owner = {}
    for host, domains in sorted((served or {}).items()):
        for domain in domains or []:
            try:
                prepared = prep_bare(domain)[1]
            except JIDError as exc:
                raise AnsibleFilterError("%s serves %r: %s" % (host, domain, exc))
            if prepared in owner and owner[prepared] != host:
                raise AnsibleFilterError("%s is served by two hosts, %s and %s: a name belongs to one host"
                                         % (prepared, owner[prepared], host))
            owner[prepared] = host
    routed, seen, unserved = {}, {}, []
    for index, entry in enumerate(entries or []):
        name, domain = _domain(entry, what, index, default_host)
        if what != "xmpp_invites" and name in seen:
            if seen[name] != entry:
                raise AnsibleFilterError("%s lists %s twice, with different settings" % (what, name))
            continue
        seen[name] = entry
        if domain not in owner:
            if name not in unserved:
                unserved.append(name)
            continue
        _group(routed, owner[domain], domain)["entries"].append(entry)
    if unserved:
        raise AnsibleFilterError(
            "%s: no host of this play serves the domain of %s (served: %s); nothing was changed"
            % (what, ", ".join(unserved), ", ".join("%s on %s" % item for item in sorted(owner.items())) or "none"))
    for domain in ([exclusive] if isinstance(exclusive, str) else exclusive or []):
        try:
            prepared = prep_bare(domain)[1]
        except JIDError as exc:
            raise AnsibleFilterError("exclusive domain %r: %s" % (domain, exc))
        if prepared not in owner:
            raise AnsibleFilterError("exclusive domain %s: no host of this play serves it" % prepared)
        _group(routed, owner[prepared], prepared)["exclusive"] = True
    return routed


def _group(routed, host, domain):
    return routed.setdefault(host, {}).setdefault(domain, {"entries": [], "exclusive": False})


class FilterModule:
    """xmpp.stack's name filters."""

    def filters(self):
        return {"jid_problems": jid_problems, "route_by_domain": route_by_domain}
