# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""usnap_service: the converger of the USnap snapshot services of a list of disks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.snapshield.cloud.plugins.module_utils._apply import apply_once
from ansible_collections.snapshield.cloud.plugins.module_utils._concurrency import OncePerKey
from ansible_collections.snapshield.cloud.plugins.module_utils._converge import Converger
from ansible_collections.snapshield.cloud.plugins.module_utils.transport import DiskError
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap import api
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import (
    CHAIN_KEYS,
    DEFAULT_CHARGE_TYPE,
    PROTECTION_KEYS,
)


class ServiceConverger(Converger):
    """Reads every disk's service (in pages for a large fleet), then brings each to the request."""

    def __init__(self, module, client, request):
        self.module = module
        self.client = client
        self.request = request
        self.zone = request["zone"]
        self.services = {}
        self.disks = {}
        # Prices by disk size and plan: every new service of this task has the same plan, so a fleet is priced
        # in one call per distinct size (and, with report_cost, per distinct plan of its services), not per disk.
        self.prices = OncePerKey()

    def read(self):
        ids = self.request["disk_ids"]
        self.services = api.rows_by_id(api.services(self.client, self.zone), ids)
        if self.module.check_mode and self.request["state"] == "present":
            # New services are priced by disk size: read the sizes of the disks without one.
            unprotected = [disk_id for disk_id in ids if self.services[disk_id] is None]
            self.disks = api.rows_by_id(api.disks(self.client, self.zone), unprotected) if unprotected else {}
        return ids

    def act(self, target):
        disk_id = target
        row = self.services[disk_id]
        current = None
        if row is not None:
            chain = {}
            if self.request["state"] == "present" or self.module._diff:
                chain = api.backup_range(self.client, self.zone, disk_id)
            current = api.service_result(row, chain, self.zone)
        if self.request["state"] == "absent":
            result = self._absent(disk_id, current)
        elif current is None:
            result = self._create(disk_id)
        else:
            result = self._update(current)
        if self.request["report_cost"] and self.request["state"] == "present":
            result["cost"] = self._period_price(result)
        result["diff"] = dict(
            before=api.protection(current), after=api.protection(result) if self.request["state"] == "present" else {}
        )
        return result

    def _price(self, size, plan):
        """DescribeSnapshotServicePrice of ``plan`` for ``size`` GB, asked once per distinct plan and size."""
        chain = tuple(plan[key] for key in CHAIN_KEYS) if plan["backup_mode"] == "Custom" else ()
        key = (size, plan["backup_mode"], chain, plan["charge_type"] or DEFAULT_CHARGE_TYPE, plan["quantity"])
        return dict(self.prices.get(key, lambda: api.service_price(self.client, self.zone, size, plan)))

    def _period_price(self, result):
        """What the disk's service costs for one charge period, as it stands after the run (or would)."""
        if not result.get("disk_size") or not result.get("backup_mode"):
            return None
        plan = {key: result.get(key) for key in ("backup_mode",) + CHAIN_KEYS}
        plan.update(charge_type=result.get("charge_type") or DEFAULT_CHARGE_TYPE, quantity=1)
        return self._price(result["disk_size"], plan)

    def _read_back(self, disk_id):
        row = api.find_service(self.client, self.zone, disk_id)
        if row is None:
            raise DiskError("the snapshot service of %s was not found after it was created" % disk_id)
        return api.service_result(row, api.backup_range(self.client, self.zone, disk_id), self.zone)

    def _create(self, disk_id):
        plan = self.request["plan"]
        if self.module.check_mode:
            result = api.blank_result(disk_id, self.zone)
            result.update((key, plan[key]) for key in PROTECTION_KEYS)
            result.update(
                charge_type=plan["charge_type"] or DEFAULT_CHARGE_TYPE,
                business_group=self.request["business_group"] or "Default",
                disk_size=api.disk_size(self.disks, self.zone, disk_id),
            )
            result["price"] = self._price(result["disk_size"], plan)
            return dict(result, changed=True)
        params = dict(
            api.chain_params(plan),
            Zone=self.zone,
            VDiskId=disk_id,
            Quantity=plan["quantity"],
            ChargeType=plan["charge_type"] or DEFAULT_CHARGE_TYPE,
            Tag=self.request["business_group"],
            CouponId=self.request["coupon_id"],
        )
        apply_once(
            self.client,
            "CreateSnapshotService",
            params,
            lambda: api.find_service(self.client, self.zone, disk_id) is not None,
        )
        return dict(self._read_back(disk_id), changed=True)

    def _warn_fixed(self, current):
        """charge_type and business_group are set when a service is created: say so rather than ignore them."""
        wanted = dict(charge_type=self.request["plan"]["charge_type"], business_group=self.request["business_group"])
        for option, value in sorted(wanted.items()):
            if value is not None and current.get(option) not in (None, value):
                self.module.warn(
                    "%s: the snapshot service has %s %s; %s=%s applies only to a new service"
                    % (current["disk_id"], option, current[option], option, value)
                )

    def _update(self, current):
        plan = self.request["plan"]
        self._warn_fixed(current)
        if api.same_chain(current, plan):
            return dict(current, changed=False)
        disk_id = current["disk_id"]
        size = current["disk_size"] or api.disk_size(self.disks, self.zone, disk_id)
        if self.module.check_mode:
            result = dict(current, **{key: plan[key] for key in ("backup_mode",) + CHAIN_KEYS})
            return dict(result, price=api.upgrade_price(self.client, self.zone, current, size, plan), changed=True)
        params = dict(api.chain_params(plan), Zone=self.zone, VDiskId=disk_id, Size=size)
        apply_once(
            self.client,
            "UpgradeUSnapBackupRange",
            params,
            lambda: api.same_chain(api.backup_range(self.client, self.zone, disk_id), plan),
        )
        return dict(current, changed=True, **api.backup_range(self.client, self.zone, disk_id))

    def _absent(self, disk_id, current):
        result = api.blank_result(disk_id, self.zone)
        if current is None:
            return dict(result, changed=False)
        if not self.module.check_mode:
            apply_once(
                self.client,
                "DeleteSnapshotService",
                dict(Zone=self.zone, VDiskId=disk_id),
                lambda: api.find_service(self.client, self.zone, disk_id) is None,
            )
        return dict(result, service_id=current["service_id"], changed=True)
