#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_restore
short_description: Restore Tencent Cloud CBS snapshots to new disks or in place
version_added: 0.2.0
description:
  - Restores a CBS snapshot - given by O(snapshot_id), or on each of O(disk_ids) by O(snapshot_name) (the disk's
    newest V(NORMAL) snapshot with V(latest), the default) - to a new disk (O(target=clone), the default) or onto
    the disk itself (O(target=in_place)).
  - B(New disk.) A pay-as-you-go disk named O(disk_name) is made from the snapshot with CreateDisks, in the source
    disk's zone and with its disk type unless O(zone) or O(disk_type) say otherwise, of the snapshot's size unless
    O(disk_size) is larger. It carries O(tags) and always the tag C(snapshield-restored-from) set to the snapshot's ID.
  - O(disk_name) and the snapshot are the idempotency key. A disk of that name carrying the tag of that snapshot is
    reused (V(changed=false)), never made twice. The CreateDisks call carries a ClientToken derived from the snapshot
    and the name, the same in every run; so when its answer is lost, the disk is looked up by name and tag, and a
    resent call answers the disk the first one made instead of making another.
  - CBS remembers a ClientToken for some time and answers it with its disk even once that disk is deleted. When
    the disk answered never appears (10 seconds), the module makes the disk again with the token that follows
    from the deleted disk's ID (the same in every run), up to 3 times. A date in O(disk_name) avoids that wait
    when the same snapshot is restored, deleted and restored again.
  - B(In place.) ApplySnapshot rolls the disk back to its own snapshot; everything written since is lost. A disk
    attached to an instance is refused, with no call, unless O(auto_stop_instance=true) lets CBS stop the instance
    (and O(auto_start_instance=true) start it again after). When the answer to ApplySnapshot is lost, the disk is
    read before anything is sent again, and a rollback under way or completed counts as done.
  - With O(wait), the module waits until every new disk is V(UNATTACHED) (usable) with the expected size, or every
    rollback is done, all disks polled together, and reports each one's time to restore.
  - O(state=absent) deletes (TerminateDisks) the disks named O(disk_name) that carry the C(snapshield-restored-from)
    tag (of O(snapshot_id) if given, and carrying every one of O(tags)). Other disks of that name are left alone
    and listed in RV(restores[].left_alone). A disk rolled back in place is never deleted.
  - Several disks are read in batches and restored concurrently within the client's rate limit; a failing disk does
    not stop the others. The task then fails naming every failed disk and still returns every disk's element.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.tencentcloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, rolled back or deleted. Each element of RV(restores) says what would be restored from
        which snapshot in RV(restores[].summary); refusals fail as they would without check mode.
  diff_mode:
    support: full
    details: Per disk, the restored disk before and after (an empty dict before a new disk).
options:
  disk_ids:
    description:
      - ID of the source disk, or a list of IDs.
      - Required unless O(snapshot_id) is given.
    type: list
    elements: str
    aliases: [disk_id]
  snapshot_id:
    description:
      - ID of the snapshot to restore. Its disk is the source; a O(disk_ids) given with it must be that disk.
      - Cannot be combined with O(snapshot_name).
    type: str
  snapshot_name:
    description:
      - Which snapshot of each of O(disk_ids) to restore - V(latest) for the disk's newest V(NORMAL) snapshot, or an
        exact name (the newest V(NORMAL) snapshot of that name).
      - Defaults to V(latest) when O(snapshot_id) is not given.
    type: str
  target:
    description:
      - V(clone) restores to a new disk; V(in_place) rolls the source disk itself back (what was written since the
        snapshot is lost).
    type: str
    choices: [clone, in_place]
    default: clone
  disk_name:
    description:
      - Name of the new disk, at most 60 characters once V({disk_id}) in it is replaced by the source disk's ID.
      - Must contain V({disk_id}) when several disks are given.
      - Defaults to V({disk_id}-restored). Only with O(target=clone).
    type: str
  disk_size:
    description:
      - Size of the new disk in GB; at least the snapshot's size (the default). Only with O(target=clone).
    type: int
  disk_type:
    description:
      - Disk type of the new disk; the source disk's type by default. Only with O(target=clone).
    type: str
    choices: [CLOUD_BASIC, CLOUD_PREMIUM, CLOUD_BSSD, CLOUD_SSD, CLOUD_HSSD]
  zone:
    description:
      - Availability zone of the new disk, such as V(ap-guangzhou-3); the source disk's zone by default.
        Only with O(target=clone).
    type: str
  tags:
    description:
      - Tags of the new disk, added to C(snapshield-restored-from) (which they must not set).
      - With O(state=absent), only disks carrying every one of them are deleted.
    type: dict
  auto_stop_instance:
    description:
      - With O(target=in_place), let CBS stop the instance an attached disk belongs to before the rollback.
        Without it an attached disk is refused.
    type: bool
    default: false
  auto_start_instance:
    description:
      - With O(auto_stop_instance=true), let CBS start the instance again after the rollback.
    type: bool
    default: false
  wait:
    description:
      - Wait until each new disk is usable, or each rollback is done, and report the time it took.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait, including the time spent waiting out throttling and busy disks. A disk not ready by then
        fails its element; its restore goes on.
    type: int
    default: 600
  state:
    description:
      - V(present) restores; V(absent) deletes the new disks this module made (never with O(target=in_place)).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Every restore is recorded in RV(restores) with its recovery point (the snapshot's time) and its age at the
    time of the request (the recovery point objective), and, when waited for, the seconds from the request to a
    usable disk (the recovery time).
seealso:
  - module: snapshield.cloud.cbs_snapshot
  - module: snapshield.cloud.cbs_snapshot_info
  - module: snapshield.cloud.cbs_disk_info
"""

EXAMPLES = r"""
- name: Restore a snapshot to a larger SSD disk in another zone
  snapshield.cloud.cbs_restore:
    snapshot_id: snap-gybrif0z
    disk_name: db-before-migration
    disk_size: 500
    disk_type: CLOUD_SSD
    zone: ap-guangzhou-4

- name: Snapshot two disks
  snapshield.cloud.cbs_snapshot:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
    snapshot_name: before-upgrade

- name: Restore the newest snapshot of each disk to a new disk next to it, without waiting
  snapshield.cloud.cbs_restore:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
    snapshot_name: latest
    disk_name: "{disk_id}-restored"
    tags:
      purpose: incident-4711
    wait: false

- name: Roll a disk back to its snapshot named before-upgrade, stopping and starting its instance
  snapshield.cloud.cbs_restore:
    disk_id: disk-lzrg2pwi
    snapshot_name: before-upgrade
    target: in_place
    auto_stop_instance: true
    auto_start_instance: true

- name: Delete the new disks restored above (only those this module made)
  snapshield.cloud.cbs_restore:
    disk_ids: [disk-lzrg2pwi, disk-7ke2a9x1]
    disk_name: "{disk_id}-restored"
    state: absent
"""

RETURN = r"""
restores:
  description:
    - One element per source disk, in the order given.
    - A failed one has C(disk_id), C(failed), C(msg) and, for an API failure, C(error).
  returned: always
  type: list
  elements: dict
  contains:
    disk_id:
      description: ID of the source disk.
      type: str
      sample: disk-lzrg2pwi
    target:
      description: V(clone) or V(in_place).
      type: str
      sample: clone
    snapshot_id:
      description: ID of the snapshot restored.
      type: str
      sample: snap-gybrif0z
    snapshot_name:
      description: Name of the snapshot restored.
      type: str
      sample: nightly
    recovery_point:
      description: When the snapshot was taken (ISO 8601, UTC).
      type: str
      sample: "2026-12-03T02:00:05Z"
    recovery_point_age:
      description: Seconds from the recovery point to the request (the recovery point objective met).
      type: float
      sample: 39129.0
    restored_disk_id:
      description: ID of the new disk (null in check mode for one to be made), or of the source disk in place.
      type: str
      sample: disk-3m1ksl0e
    restored_disk_name:
      description: Name of the restored disk.
      type: str
      sample: disk-lzrg2pwi-restored
    disk_size:
      description: Size of the restored disk in GB.
      type: int
      sample: 100
    requested_at:
      description: When the restore was requested (ISO 8601, UTC).
      type: str
      sample: "2026-12-03T12:52:14Z"
    available_at:
      description: When the disk was seen usable (ISO 8601, UTC); null when not waited for.
      type: str
      sample: "2026-12-03T12:52:31Z"
    restore_seconds:
      description:
        - Seconds from the request to a usable disk (the recovery time, measured at the resolution of the polls).
        - Null when not waited for, and for a disk restored by an earlier run (V(changed=false)).
      type: float
      sample: 17.2
    changed:
      description: Whether a disk was created, rolled back or deleted (or would be).
      type: bool
      sample: true
    state:
      description: C(DiskState) of the restored disk as last read, such as V(UNATTACHED).
      type: str
      sample: UNATTACHED
    summary:
      description: What was restored (or would be, in check mode) from which snapshot, in words.
      type: str
      sample: created new disk disk-lzrg2pwi-restored (100 GB CLOUD_PREMIUM in ap-guangzhou-3) from snapshot ...
    deleted:
      description: With O(state=absent), the disks deleted (or that would be).
      type: list
      elements: dict
      returned: with state=absent
    left_alone:
      description: With O(state=absent), disks of that name that this module did not make, left alone.
      type: list
      elements: dict
      returned: with state=absent
restore:
  description: The single element of RV(restores), when one disk was given and it succeeded.
  returned: when exactly one disk was given
  type: dict
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import DISK_TYPES, check_restore_request
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.restore import RestoreConverger


def main():
    run = CloudModule(
        tencentcloud,
        dict(
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            snapshot_id=dict(type="str"),
            snapshot_name=dict(type="str"),
            target=dict(type="str", choices=["clone", "in_place"], default="clone"),
            disk_name=dict(type="str"),
            disk_size=dict(type="int"),
            disk_type=dict(type="str", choices=list(DISK_TYPES)),
            zone=dict(type="str"),
            tags=dict(type="dict"),
            auto_stop_instance=dict(type="bool", default=False),
            auto_start_instance=dict(type="bool", default=False),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
            state=dict(type="str", choices=["present", "absent"], default="present"),
        ),
        check_restore_request,
        explain,
        mutually_exclusive=[("snapshot_id", "snapshot_name")],
        required_one_of=[("snapshot_id", "disk_ids")],
    )
    run.converge(
        lambda client, request: RestoreConverger(run.module, client, request), single_key="restore", list_key="restores"
    )


if __name__ == "__main__":
    main()
