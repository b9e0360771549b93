# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where one module call works: several regions (Tencent) or zones (UCloud) at once.

A place is a dict (``region``, and ``zone`` for UCloud) with the module's options for that place. ``CloudModule``
checks each place's options with the module's own check, gives each place a client of its region (the same
session and rate limiter, whose slots Tencent counts per region), and works the places side by side.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils.common import check_ids

# Documented in the modules that take them.
REGION_PLACES_SPEC = dict(regions=dict(type="list", elements="str"), disks_by_region=dict(type="dict"))
ZONE_PLACES_SPEC = dict(
    zones=dict(
        type="list",
        elements="dict",
        options=dict(
            zone=dict(type="str", required=True), region=dict(type="str"), disk_ids=dict(type="list", elements="str")
        ),
    )
)


def region_places(params):
    """Tencent: ``[(place, options)]`` from ``disks_by_region`` (region -> its disk ids) or ``regions`` (the same
    options in each region); None when neither is given (the module's own region). ValueError names the option."""
    by_region, regions = params.get("disks_by_region"), params.get("regions")
    if by_region is not None and regions is not None:
        raise ValueError("give regions or disks_by_region, not both")
    if by_region is not None:
        if not isinstance(by_region, dict) or not by_region:
            raise ValueError("disks_by_region must map each region to its disk ids, got %r" % (by_region,))
        places, seen = [], {}
        for given, given_ids in by_region.items():
            region = _region(given, "disks_by_region")
            ids = check_ids(given_ids, "disks_by_region.%s" % region)
            _once(seen, ids, region, "disks_by_region")
            places.append((dict(region=region), dict(params, region=region, disk_ids=ids, disks_by_region=None)))
        return places
    if regions is not None:
        return [
            (dict(region=region), dict(params, region=region, regions=None))
            for region in check_ids(regions, "regions", "region")
        ]
    return None


def zone_disk_places(params):
    """``zone_places`` where every zone must list its disk ids."""
    return zone_places(params, ids_required=True)


def zone_places(params, ids_required=False):
    """UCloud: ``[(place, options)]`` from ``zones`` (each a zone, its region and optionally its disk ids), None
    without. A zone's region defaults to the zone's name less its last part (``cn-bj2-02`` is in ``cn-bj2``)."""
    zones = params.get("zones")
    if zones is None:
        return None
    if not zones:
        raise ValueError("zones must list at least one zone, got []")
    places, seen, names = [], {}, set()
    for position, item in enumerate(zones):
        zone = _region(item.get("zone"), "zones[%d].zone" % position)
        if zone in names:
            raise ValueError("zones lists %s more than once" % zone)
        names.add(zone)
        region = item.get("region") or zone.rsplit("-", 1)[0]
        ids = item.get("disk_ids")
        options = dict(params, zone=zone, region=region, zones=None)
        if ids is not None or ids_required:
            options["disk_ids"] = check_ids(ids, "zones[%d].disk_ids" % position)
            _once(seen, options["disk_ids"], zone, "zones")
        places.append((dict(region=region, zone=zone), options))
    return places


def _region(value, option):
    if not isinstance(value, str) or not value.strip():
        raise ValueError("%s must name a region or zone, got %r" % (option, value))
    return value.strip()


def _once(seen, ids, where, option):
    """ValueError when a disk id was given for two places."""
    for disk_id in ids:
        if disk_id in seen:
            raise ValueError("%s gives disk %s for both %s and %s" % (option, disk_id, seen[disk_id], where))
        seen[disk_id] = where
