# -*- coding: utf-8 -*-
# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CBS error codes explained: what a person can do about each."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

HINTS = {
    "InsufficientSnapshotQuota": "the snapshot quota is used up: delete snapshots you no longer need, or let new "
    "ones expire with deadline or retention_days",
    "InvalidDisk.NotSupportSnapshot": "this disk cannot have snapshots (snapshot_ability is false in cbs_disk_info, "
    "e.g. a local disk): leave it out of disk_id",
    "UnsupportedOperation.DiskEncrypt": "the disk is encrypted and CBS refuses snapshots of it here: leave it out of "
    "disk_id or enable encrypted-disk snapshots for the account",
    "InvalidAccount.InsufficientBalance": "the account's balance is insufficient: top it up, then run again",
    "InvalidDiskId.NotFound": "no such disk in this region: check disk_id and region",
    "InvalidSnapshot.NotNormal": "DeleteSnapshots deletes only NORMAL snapshots, and fails the whole batch if one is "
    "not: wait for CREATING ones (wait=true) and check the state of the others",
    "AuthFailure.SecretIdNotFound": "the SecretId is unknown: check secret_id (TENCENTCLOUD_SECRET_ID)",
    "AuthFailure.SignatureFailure": "the signature does not match: check secret_key (TENCENTCLOUD_SECRET_KEY) "
    "and that it belongs to secret_id",
    "AuthFailure.SignatureExpire": "the request time is more than 5 minutes off: fix the clock of the machine "
    "running the module",
    "AuthFailure.TokenFailure": "temporary credentials need their token: check security_token "
    "(TENCENTCLOUD_SECURITY_TOKEN) and that the credentials have not expired",
    "AuthFailure.UnauthorizedOperation": "these credentials may not call {action}: grant a CAM policy allowing "
    "cbs:{action}",
    "UnauthorizedOperation": "these credentials may not call {action}: grant a CAM policy allowing cbs:{action}",
    "RequestLimitExceeded": "still throttled after waiting: lower rate_limit or raise wait_timeout",
    "InvalidDisk.SnapshotCreating": "another snapshot of this disk was being created for all of wait_timeout: "
    "run the task again later or raise wait_timeout",
    "ResourceUnavailable.TooManyCreatingSnapshot": "CBS had too many snapshots being created for all of "
    "wait_timeout: run the task again later or raise wait_timeout",
    "ResourceBusy": "the resource stayed busy for all of wait_timeout: run the task again later",
    "InvalidDisk.Busy": "the disk stayed busy for all of wait_timeout: run the task again later",
    "LimitExceeded.AutoSnapshotPolicyOutOfQuota": "the region's quota of automatic snapshot policies is used up: "
    "delete policies you no longer need (cbs_snapshot_policy_info lists them) or ask Tencent Cloud for more",
    "InvalidAutoSnapshotPolicyId.NotFound": "the automatic snapshot policy no longer exists (deleted by someone "
    "else): run the task again",
    "InvalidParameterValue.BindDiskLimitExceeded": "CBS refused the number of disks in one bind call, or a disk "
    "already has as many policies as it may have: check the disk's policies with cbs_disk_info",
    "ResourceInUse.DiskRollbacking": "the disk is being rolled back to a snapshot already: run the task again once "
    "that is done (cbs_disk_info shows its disk_state)",
    "ResourceUnavailable.SnapshotCreating": "the snapshot is still being created: only a NORMAL snapshot can be "
    "restored; run the task again once it is",
    "InvalidParameter.DiskSizeNotMatch": "the sizes do not fit: a new disk needs at least the snapshot's size "
    "(disk_size), and a disk can be rolled back only to a snapshot no larger than itself",
    "InvalidInstance.NotSupported": "the disk's instance cannot be stopped for a rollback: stop it or detach the disk "
    "yourself, then run again",
    "UnsupportedOperation.InstanceNotStopped": "the disk is attached to a running instance: set "
    "auto_stop_instance=true, or stop the instance or detach the disk first",
    "InvalidSnapshot.NotSupported": "this snapshot cannot be restored (not NORMAL, or not a data disk's snapshot): "
    "check it with cbs_snapshot_info",
    "InvalidParameter.InvalidClientToken": "CBS refused the ClientToken of the new disk: report this as a bug",
    "ResourceUnavailable.Attached": "the disk is attached: detach it before it can be deleted",
    "InvalidDisk.NotSupported": "only pay-as-you-go disks can be deleted this way",
}
_PREFIX_HINTS = (
    ("AuthFailure", "authentication failed: check secret_id, secret_key, security_token and the clock"),
    ("UnauthorizedOperation", HINTS["UnauthorizedOperation"]),
    ("RequestLimitExceeded", HINTS["RequestLimitExceeded"]),
)


def explain(error, subject=None):
    """The same ApiError with a message a person can act on (code, action, request id and kind are kept).

    ``subject`` says what was being done. An error already explained is returned as it is.
    """
    if getattr(error, "explained", False):
        return error
    code = error.code or ""
    hint = HINTS.get(code) or next((text for prefix, text in _PREFIX_HINTS if code.startswith(prefix)), None)
    if error.ambiguous:
        hint = "the answer was lost and the outcome is unknown; run the task again, it looks before it acts"
    if hint is None and subject is None:
        return error
    if hint:
        hint = hint.format(action=error.action or "this action")
    parts = [part for part in (subject, hint) if part]
    explained = error.restated("%s (API said: %s)" % ("; ".join(parts), error.message))
    explained.explained = True
    return explained
