#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: usnap_restore
short_description: Restore UCloud disks from their USnap recovery points, to a clone or in place
version_added: 0.2.0
description:
  - Restores UCloud disks protected by a USnap snapshot service to a point in time, either into a new disk (a clone,
    CloneUDiskUDataArk, the default) or over the disk itself (O(target=in_place), RestoreUDisk).
  - No UCloud API lists recovery points. They follow from the disk's backup range (DescribeUSnapBackupRange) and
    its service's creation time; see O(point_in_time). A point outside that window is refused, naming the window,
    before any change is sent.
  - O(clone_name) is the idempotency key of a clone. A disk of that name in O(zone) is reused, never cloned a second
    time; when the answer to a clone is lost, the disk is looked up by its name before anything is sent again.
  - An in-place restore overwrites the disk. UCloud restores only a detached disk in place, so an attached disk is
    refused (read with DescribeUDisk first, nothing is sent). A lost answer is never resent while the disk shows a
    restore under way. An in-place restore is an action, not a state; every run restores again.
  - O(state=absent) deletes the clones this module made, the disks named O(clone_name) that carry O(business_group);
    any other disk is left alone and reported.
  - A list of disks is worked concurrently within the client's rate limit, and every new clone or restore is waited
    for in one batched poll. A failing disk does not stop the others; the task then fails naming every failed disk.
author:
  - snapshield.cloud contributors (@snapshield)
extends_documentation_fragment:
  - snapshield.cloud.ucloud
  - snapshield.cloud.connection
  - ansible.builtin.action_common_attributes
  - snapshield.cloud.attributes
attributes:
  check_mode:
    support: full
    details: Nothing is changed; RV(restores[].summary) says what would be restored from which recovery point.
  diff_mode:
    support: full
    details: The clone each disk would get (or has), or the point an in-place restore would go back to.
options:
  disk_ids:
    description:
      - ID of the UDisk to restore, or a list of IDs (all in O(zone)).
    type: list
    elements: str
    required: true
    aliases: [disk_id]
  zone:
    description:
      - Availability zone of the disks, for example V(cn-bj2-02).
    type: str
    required: true
  point_in_time:
    description:
      - The recovery point, V(latest) or an ISO 8601 time such as V(2026-12-03T10:00:00Z) (UTC when no offset is
        given).
      - A point must lie in the disk's window, never before its service was created, never after now. The window is
        any second of the last C(Journal) hours, then the whole hours of the C(Hour) hours before those, then
        00:00 UTC of each of the C(Day) days before those (the backup range of DescribeUSnapBackupRange).
      - V(latest) is now when the service keeps a journal (any second is a point), else the newest whole hour,
        else the newest 00:00 UTC.
    type: str
    default: latest
  target:
    description:
      - V(clone) restores into a new disk named O(clone_name); the source is not touched.
      - V(in_place) overwrites the source disk, which must be detached. It must be asked for explicitly.
    type: str
    choices: [clone, in_place]
    default: clone
  clone_name:
    description:
      - Name of the clone; required with O(target=clone) and with O(state=absent).
      - May hold the placeholder C({disk_id}), replaced by the source disk's ID; must hold it when O(disk_ids) names
        more than one disk.
    type: str
  business_group:
    description:
      - Business group (the API's C(Tag)) of a new clone; UCloud uses V(Default) when not set.
      - An existing disk named like the clone but of another business group is not reused.
      - Required with O(state=absent), where only disks of this business group are deleted.
    type: str
  state:
    description:
      - V(present) restores; V(absent) deletes the clones named O(clone_name) that carry O(business_group).
      - V(absent) cannot be used with O(target=in_place).
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until each clone is C(Available) with its source's size, or each in-place restore has finished.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait (O(wait)); also how long refusals of a busy source disk are waited out.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Protect the disks first (USnap keeps their recovery points from then on)
  snapshield.cloud.usnap_service:
    disk_ids: [bsm-abcd1234, bsm-efgh5678]
    zone: cn-bj2-02

- name: Restore a disk as it was on the hour, an hour ago, into a new disk
  snapshield.cloud.usnap_restore:
    disk_id: bsm-efgh5678
    zone: cn-bj2-02
    point_in_time: "{{ '%Y-%m-%dT%H:00:00Z' | strftime(now(fmt='%s') | int - 3600, utc=true) }}"
    clone_name: db-restored
  register: restored

- name: Clone several disks from their newest recovery points, marked as a drill
  snapshield.cloud.usnap_restore:
    disk_ids: [bsm-abcd1234, bsm-efgh5678]
    zone: cn-bj2-02
    clone_name: "drill-{disk_id}"
    business_group: restore-drill
  register: drill

- name: Delete the drill's clones
  snapshield.cloud.usnap_restore:
    disk_ids: [bsm-abcd1234, bsm-efgh5678]
    zone: cn-bj2-02
    clone_name: "drill-{disk_id}"
    business_group: restore-drill
    state: absent

- name: Roll a detached disk back to two hours ago, in place
  snapshield.cloud.usnap_restore:
    disk_id: bsm-efgh5678
    zone: cn-bj2-02
    target: in_place
    point_in_time: "{{ '%Y-%m-%dT%H:00:00Z' | strftime(now(fmt='%s') | int - 7200, utc=true) }}"
"""

RETURN = r"""
restores:
  description:
    - One entry per disk, in the order of O(disk_ids).
    - A failed disk has RV(restores[].disk_id), C(failed), C(msg) and, for an API failure, C(error).
  returned: always
  type: list
  elements: dict
  contains:
    disk_id:
      description: ID of the source disk.
      type: str
      sample: bsm-abcd1234
    zone:
      description: Availability zone.
      type: str
      sample: cn-bj2-02
    target:
      description: V(clone) or V(in_place).
      type: str
      sample: clone
    recovery_point:
      description: The point restored (or asked for, for a clone that already existed), ISO 8601 UTC.
      type: str
      sample: "2026-12-03T10:00:00Z"
    recovery_point_age:
      description: Seconds between the recovery point and the request, the recovery point objective met.
      type: int
      sample: 0
    recovery_window:
      description: The oldest and the newest recovery point of the disk at request time, ISO 8601 UTC.
      type: dict
      sample: {oldest: "2026-11-27T00:00:00Z", latest: "2026-12-03T10:00:00Z"}
    snapshot_id:
      description: Always null (a USnap point is a time, not a snapshot); the key is shared with cbs_restore.
      type: str
      sample: null
    restored_disk_id:
      description: ID of the clone, or of the source for an in-place restore. Null in check mode for a new clone.
      type: str
      sample: bsm-ijkl9012
    restored_disk_name:
      description: Name of the clone, or of the source for an in-place restore.
      type: str
      sample: db-restored
    disk_size:
      description: Size of the source disk in GB, which the clone must have.
      type: int
      sample: 100
    requested_at:
      description: When the restore was requested (or the task ran, when nothing was requested), ISO 8601 UTC.
      type: str
      sample: "2026-12-03T10:05:00Z"
    available_at:
      description:
        - When the poll first saw the restored disk ready, ISO 8601 UTC.
        - Null when not waited for, in check mode, and for a clone that already existed.
      type: str
      sample: "2026-12-03T10:06:30Z"
    restore_seconds:
      description: Seconds from the request to RV(restores[].available_at), the recovery time; null as it is.
      type: float
      sample: 90.2
    state:
      description: Status of the restored disk as last read (V(Cloning), V(Restoring), V(Available), V(InUse)).
      type: str
      sample: Available
    changed:
      description: Whether this disk was (or, in check mode, would be) restored or deleted.
      type: bool
      sample: true
    summary:
      description: What was (in check mode, would be) done, in words.
      type: str
      sample: clone bsm-abcd1234 as of 2026-12-03T10:00:00Z into a new disk db-restored
    deleted_disk_ids:
      description: The clones deleted (in check mode, that would be).
      returned: with O(state=absent)
      type: list
      elements: str
      sample: [bsm-ijkl9012]
    left_alone:
      description: Disks named like the clone that were not deleted, each with C(disk_id) and C(reason).
      returned: with O(state=absent)
      type: list
      elements: dict
      sample: [{disk_id: bsm-mnop3456, reason: "its business group is web, not restore-drill"}]
restore:
  description: When O(disk_ids) names one disk and it did not fail, its entry of RV(restores).
  returned: when one disk was given and it succeeded
  type: dict
  sample:
    disk_id: bsm-abcd1234
    target: clone
    restored_disk_id: bsm-ijkl9012
"""

from ansible_collections.snapshield.cloud.plugins.module_utils import ucloud
from ansible_collections.snapshield.cloud.plugins.module_utils._module import CloudModule
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.checks import check_restore_request
from ansible_collections.snapshield.cloud.plugins.module_utils.usnap.restore import RestoreConverger


def main():
    run = CloudModule(
        ucloud,
        dict(
            disk_ids=dict(type="list", elements="str", required=True, aliases=["disk_id"]),
            zone=dict(type="str", required=True),
            point_in_time=dict(type="str", default="latest"),
            target=dict(type="str", default="clone", choices=["clone", "in_place"]),
            clone_name=dict(type="str"),
            business_group=dict(type="str"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=600),
        ),
        check_restore_request,
    )
    run.converge(
        lambda client, request: RestoreConverger(run.module, client, request), single_key="restore", list_key="restores"
    )


if __name__ == "__main__":
    main()
