#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cbs_snapshot
short_description: Declare Tencent Cloud CBS disk snapshots
version_added: 0.1.0
description:
  - Makes sure a CBS disk, or each disk of a list, has a snapshot named O(snapshot_name), or has none.
  - The disk ID and the exact snapshot name are the idempotency key. A disk that already has a snapshot of
    that name is left alone (and waited for while it is still being created).
  - Tags and the deadline are set when the snapshot is created, in the same call.
  - When the answer to CreateSnapshot is lost (timeout, server error, dropped connection) the module looks
    for the snapshot by disk and name before it tries again, so a snapshot is never made twice.
    Throttling and busy disks are waited out with backoff, within O(wait_timeout).
  - A list of disks is looked up in batches and worked concurrently within the client's rate limit.
    A failing disk does not stop the others; the task then fails naming every failed disk and still
    returns every disk's result.
  - With several disks, the snapshots are all created first and then waited for together (one DescribeSnapshots
    per 100 snapshots per poll), so creating goes at the rate limit however long the snapshots take.
  - The snapshots of more than 10 disks are read whichever way takes fewer calls - disk-id filter batches
    (10 disks a call) or every snapshot of the region (100 a page, with the name filter unless O(min_age)
    or O(keep) needs every name) - as told by the region's snapshot count on the first page, which is then
    the one extra call when the batches win.
  - With O(keep), the snapshots carrying every one of O(managed_tags) are a retention set per disk - the newest
    O(keep) stay, older V(NORMAL) ones are deleted after every disk has its snapshot, many disks per
    DeleteSnapshots call. Snapshots without those tags are never deleted. Pruning reads nothing beyond the
    lookup above.
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
    details: Nothing is created or deleted; the snapshots that would be are reported.
  diff_mode:
    support: full
    details: Per disk, the snapshot before and after (an empty dict when there is none).
options:
  disk_ids:
    description:
      - ID of the disk, or a list of IDs.
      - Required unless O(snapshot_id) or O(disks_by_region) is given.
    type: list
    elements: str
    aliases: [disk_id]
  disks_by_region:
    description:
      - The disks of several regions, each region's IDs under its name (for example V(ap-guangzhou) with the list
        V([disk-1]) and V(ap-shanghai) with V([disk-2])), worked in one task as O(disk_ids) is in O(region) - the
        regions side by side,
        each within its own rate limits (Tencent Cloud counts them per region).
      - Every result then carries its RV(results[].region); a region that cannot be read fails its own disks, not
        the others'.
      - Cannot be combined with O(disk_ids) or O(snapshot_id).
    type: dict
    version_added: 0.2.0
  snapshot_name:
    description:
      - Name of the snapshot, at most 60 characters. With O(disk_ids) it identifies the snapshot, compared exactly.
      - Required unless O(snapshot_id) is given.
    type: str
  state:
    description:
      - V(present) makes sure the snapshot exists (and, with O(wait), is V(NORMAL)); V(absent) deletes it.
      - With V(absent), every snapshot of the disk with that exact name is deleted. Deleting nothing is not a change.
    type: str
    choices: [present, absent]
    default: present
  snapshot_id:
    description:
      - Addresses one existing snapshot instead of O(disk_ids) and O(snapshot_name).
      - With V(present) the snapshot must exist; the module waits for it (O(wait)) and returns it.
    type: str
  deadline:
    description:
      - When CBS deletes the snapshot, as an ISO-8601 time such as V(2030-01-31T12:00:00+08:00).
      - It is converted to UTC; a time without an offset is taken as UTC. It must be at least one day away.
      - Without O(deadline) and O(retention_days) the snapshot is permanent.
    type: str
  retention_days:
    description:
      - Days after its creation when CBS deletes the snapshot, from 1 to 36500 (a minute is added so that
        the one-day minimum of the API holds when the request arrives).
    type: int
  tags:
    description:
      - Tags of a new snapshot, a dictionary of string keys (up to 127 characters) to string values
        (up to 255 characters).
      - Tags of an existing snapshot are not changed.
    type: dict
  disk_usage:
    description:
      - Type of disk the snapshot is for. CBS uses the disk's own type when not set.
    type: str
    choices: [SYSTEM_DISK, DATA_DISK]
  disk_backup_id:
    description:
      - Create the snapshot from this backup point of the disk. Only with a single O(disk_ids).
    type: str
  min_age:
    description:
      - Minutes. When the disk's newest snapshot (V(NORMAL) or V(CREATING), whatever its name) is younger,
        it is returned instead of creating one, and the task reports no change.
    type: int
  managed_tags:
    description:
      - Tags that mark a snapshot as managed by this task (string keys to string values), added to the tags of
        new snapshots together with O(tags).
      - With O(keep), only snapshots carrying every one of them are counted and deleted.
      - A key may also be in O(tags) only with the same value.
    type: dict
  keep:
    description:
      - Keep the newest O(keep) managed snapshots (see O(managed_tags), which it requires) of each disk, counting
        the one this task makes sure of, and delete the older ones. Deleting is a change.
      - Only V(NORMAL) snapshots are deleted; an older managed one in another state is left for a later run.
      - A disk whose snapshot could not be made (or found) is not pruned.
      - Only with O(state=present) and O(disk_ids).
    type: int
  wait:
    description:
      - Wait until new (or existing V(CREATING)) snapshots are V(NORMAL).
      - With V(state=absent), wait for V(CREATING) snapshots before deleting them (CBS deletes only V(NORMAL) ones).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds per disk to wait, including the time spent waiting out throttling and busy disks.
      - A snapshot of a large disk can take long; one still V(CREATING) at the end fails the disk, and goes on.
    type: int
    default: 1800
seealso:
  - module: snapshield.cloud.cbs_snapshot_info
  - module: snapshield.cloud.cbs_disk_info
"""

EXAMPLES = r"""
- name: Snapshot a disk before an upgrade, kept for a week
  snapshield.cloud.cbs_snapshot:
    disk_ids: disk-lzrg2pwi
    snapshot_name: before-upgrade-1.4
    retention_days: 7
    tags:
      owner: dba
      reason: upgrade

- name: Find the production data disks
  snapshield.cloud.cbs_disk_info:
    disk_usage: DATA_DISK
    tags:
      env: prod
  register: disks

- name: Nightly snapshots of those that can have one, reusing any taken in the last 12 hours
  snapshield.cloud.cbs_snapshot:
    disk_ids: "{{ disks.disks | selectattr('snapshot_ability') | map(attribute='disk_id') | list }}"
    snapshot_name: "nightly-{{ now(utc=true, fmt='%Y-%m-%d') }}"
    retention_days: 30
    min_age: 720
    region: ap-guangzhou

- name: Daily snapshots of a fleet; keep the newest 7 made this way, never touching others
  snapshield.cloud.cbs_snapshot:
    disk_ids: "{{ disks.disks | selectattr('snapshot_ability') | map(attribute='disk_id') | list }}"
    snapshot_name: "daily-{{ now(utc=true, fmt='%Y-%m-%d') }}"
    managed_tags:
      managed-by: nightly-job
    keep: 7

- name: Keep a release snapshot until a fixed date
  snapshield.cloud.cbs_snapshot:
    disk_ids: disk-lzrg2pwi
    snapshot_name: release-2.0
    deadline: "2030-01-31T00:00:00+08:00"

- name: Start a snapshot without waiting for it
  snapshield.cloud.cbs_snapshot:
    disk_ids: disk-lzrg2pwi
    snapshot_name: quick
    wait: false

- name: Remove a snapshot by name
  snapshield.cloud.cbs_snapshot:
    disk_ids: disk-lzrg2pwi
    snapshot_name: before-upgrade-1.4
    state: absent

- name: Remove a snapshot by ID
  snapshield.cloud.cbs_snapshot:
    snapshot_id: snap-gybrif0z
    state: absent
"""

RETURN = r"""
results:
  description:
    - One entry per disk, in the order of O(disk_ids).
    - With O(state=present), the snapshot (in check mode, the one that would be created, with null ID,
      state and times).
    - With O(state=absent), RV(results[].disk_id), RV(results[].changed), RV(results[].deleted) and
      RV(results[].recovery_point).
    - A failed disk has RV(results[].disk_id), C(failed), C(msg) and, for an API failure, C(error).
  returned: always
  type: list
  elements: dict
  contains:
    region:
      description: Region of the disk.
      type: str
      sample: ap-guangzhou
      version_added: 0.2.0
    snapshot_id:
      description: ID of the snapshot.
      type: str
      sample: snap-gybrif0z
    snapshot_name:
      description: Name of the snapshot.
      type: str
      sample: before-upgrade-1.4
    disk_id:
      description: ID of the disk.
      type: str
      sample: disk-lzrg2pwi
    state:
      description: State of the snapshot, V(NORMAL) or V(CREATING).
      type: str
      sample: NORMAL
    percent:
      description: Progress of the snapshot's creation.
      type: int
      sample: 100
    create_time:
      description: When the snapshot was created, as the API reports it.
      type: str
      sample: "2024-01-08T09:47:55+00:00"
    deadline:
      description: When CBS deletes the snapshot (UTC), null for a permanent one.
      type: str
      sample: "2024-01-15T09:48:55+00:00"
    is_permanent:
      description: Whether the snapshot has no deadline.
      type: bool
      sample: false
    tags:
      description: Tags of the snapshot.
      type: dict
      sample: {"owner": "dba"}
    disk_size:
      description: Size of the disk in GB.
      type: int
      sample: 100
    disk_usage:
      description: V(SYSTEM_DISK) or V(DATA_DISK).
      type: str
      sample: DATA_DISK
    encrypted:
      description: Whether the snapshot is of an encrypted disk.
      type: bool
      sample: false
    changed:
      description: Whether this disk's snapshot was created or deleted.
      type: bool
      sample: true
    deleted:
      description: With O(state=absent), the snapshots deleted (or that would be), with the keys above.
      type: list
      elements: dict
      sample: []
    pruned:
      description:
        - With O(keep), the older managed snapshots deleted (or that would be), with the keys above.
        - In diff mode, a disk with pruned snapshots shows its C(managed_snapshots) before and after.
      type: list
      elements: dict
      sample: []
    recovery_point:
      description:
        - The disk's newest V(NORMAL) snapshot the task knows of, its C(snapshot_id) and C(create_time); null when
          it knows none. Deleted and pruned snapshots do not count.
        - It is the newest of all the disk's snapshots when O(min_age) or O(keep) is set (the task then reads them
          all), else the newest of those named O(snapshot_name), which after a run that waited is the one it made.
        - Costs no API call. Reports use it for the age of each disk's newest recovery point.
      returned: for each disk that did not fail
      type: dict
      sample: {"snapshot_id": "snap-gybrif0z", "create_time": "2024-01-08T09:47:55+00:00"}
      version_added: 0.2.0
snapshot:
  description: The single entry of RV(results), when one disk (or O(snapshot_id)) was given and it succeeded.
  returned: when exactly one disk was worked on
  type: dict
  sample: {"snapshot_id": "snap-gybrif0z", "snapshot_name": "quick", "disk_id": "disk-lzrg2pwi",
           "state": "NORMAL", "percent": 100, "create_time": "2024-01-08T09:47:55+00:00", "deadline": null,
           "is_permanent": true, "tags": {}, "disk_size": 100, "disk_usage": "DATA_DISK",
           "encrypted": false, "changed": true}
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import tencentcloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils._places import region_places
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.checks import DISK_USAGES, check_snapshot_request
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.errors import explain
from ansible_collections.snapshield.cloud.plugins.module_utils.cbs.snapshot import SnapshotConverger


def main():
    run = CloudModule(
        tencentcloud,
        dict(
            disk_ids=dict(type="list", elements="str", aliases=["disk_id"]),
            disks_by_region=dict(type="dict"),
            snapshot_name=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            snapshot_id=dict(type="str"),
            deadline=dict(type="str"),
            retention_days=dict(type="int"),
            tags=dict(type="dict"),
            disk_usage=dict(type="str", choices=list(DISK_USAGES)),
            disk_backup_id=dict(type="str"),
            min_age=dict(type="int"),
            managed_tags=dict(type="dict"),
            keep=dict(type="int"),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=1800),
        ),
        check_snapshot_request,
        explain,
        places=region_places,
        mutually_exclusive=[
            ("deadline", "retention_days"),
            ("snapshot_id", "disk_ids"),
            ("snapshot_id", "snapshot_name"),
            ("disks_by_region", "disk_ids"),
            ("disks_by_region", "snapshot_id"),
        ],
        required_one_of=[("disk_ids", "snapshot_id", "disks_by_region")],
        required_by=dict(disk_ids="snapshot_name", disks_by_region="snapshot_name", keep="managed_tags"),
    )
    run.converge(lambda client, request: SnapshotConverger(run.module, client, request), single_key="snapshot")


if __name__ == "__main__":
    main()
