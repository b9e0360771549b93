# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet of a play whose hosts are disks (the cbs_disks / ucloud_disks inventory plugins): the disks of the
play's hosts, grouped by region (Tencent) or zone (UCloud), for one module call per step of a fleet role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

CLOUDS = ("tencentcloud", "ucloud")
# What the fleet roles take from a disk host's variables, besides its region and zone.
DISK_KEYS = ("disk_id", "region", "zone", "disk_name", "disk_size", "backup_mode")
NAMES_SHOWN = 5


def _names(hosts):
    more = " and %d more" % (len(hosts) - NAMES_SHOWN) if len(hosts) > NAMES_SHOWN else ""
    return ", ".join(hosts[:NAMES_SHOWN]) + more


def fleet_hosts(hosts, cloud):
    """``hosts``: the play's hosts' variables (``ansible_play_batch | map('extract', hostvars)``).

    Returns ``inventory`` (true when the play's hosts are disks: any carries ``disk_id``), ``count``, ``places``
    (sorted: ``{region, disk_ids}`` for Tencent, ``{region, zone, disk_ids}`` for UCloud, the disk ids sorted as AWX
    sorts hosts), ``by_region`` (Tencent: region -> disk ids) and ``problems`` (hosts that are no disk of
    ``cloud``, or lack its region or zone), each naming the hosts."""
    if cloud not in CLOUDS:
        raise AnsibleFilterError("fleet_hosts: cloud must be one of %s, got %r" % (", ".join(CLOUDS), cloud))
    hosts = [host for host in hosts or [] if isinstance(host, Mapping)]
    disks = [host for host in hosts if host.get("disk_id")]
    answer = dict(inventory=bool(disks), count=len(disks), places=[], by_region={}, disks=[], problems=[])
    if not disks:
        return answer
    keys = ("region",) if cloud == "tencentcloud" else ("region", "zone")
    groups, bad = {}, {kind: [] for kind in ("no disk", "other cloud", "no place")}
    for host in sorted(hosts, key=lambda host: str(host.get("disk_id") or host.get("inventory_hostname"))):
        name = str(host.get("inventory_hostname") or host.get("disk_id"))
        if not host.get("disk_id"):
            bad["no disk"].append(name)
        elif host.get("cloud") not in (None, cloud):
            bad["other cloud"].append(name)
        elif not all(host.get(key) for key in keys):
            bad["no place"].append(name)
        else:
            groups.setdefault(tuple(host[key] for key in keys), []).append(host["disk_id"])
            answer["disks"].append({key: host.get(key) for key in DISK_KEYS if host.get(key) is not None})
    answer["places"] = [dict(zip(keys, place), disk_ids=ids) for place, ids in sorted(groups.items())]
    if cloud == "tencentcloud":
        answer["by_region"] = {place["region"]: place["disk_ids"] for place in answer["places"]}
    answer["problems"] = _problems(bad, cloud, keys)
    return answer


def _problems(bad, cloud, keys):
    texts = {
        "no disk": "these hosts of the play are no disks (no disk_id variable): %s",
        "other cloud": "these hosts of the play are disks of another cloud than %s: %%s" % cloud,
        "no place": "these disk hosts have no %s variable: %%s" % " or ".join(keys),
    }
    return [texts[kind] % _names(names) for kind, names in bad.items() if names]


def rate_share_problem(share, name):
    """The message when a role's rate share (``1 / slices``) is not more than 0 and at most 1, else None."""
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        return (
            "%s must be more than 0 and at most 1, the share of the account's rate limits this job may use "
            "(1 / the number of AWX job slices running at once), got %r" % (name, share)
        )
    return None
