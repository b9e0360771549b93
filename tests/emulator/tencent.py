"""Tencent Cloud CBS API 3.0 (snapshots and disk discovery).

TC3-HMAC-SHA256 signatures are rebuilt from the received bytes and signed with the official
SDK's ``tencentcloud.common.sign.Sign.sign_tc3``.
"""

import functools
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

from tencentcloud.common.sign import Sign

from .common import ApiError, CloudApi, action, iso_utc, json_answer, paginate, parse_iso_utc, text_answer, utc_date
from .state import AutoSnapshotPolicy, CbsDisk, Snapshot

VERSION = "2017-03-12"
SERVICE = "cbs"
ALGORITHM = "TC3-HMAC-SHA256"
MAX_SKEW = 300
MAX_NAME = 60
BIND_MAX = 80  # disks a BindAutoSnapshotPolicy call takes
BEIJING = timezone(timedelta(hours=8))  # the schedule's hours are Beijing time
SCHEDULE_KEYS = ("Hour", "DayOfWeek", "DayOfMonth", "IntervalDays")  # the SDK's Policy model
DISK_USAGES = ("SYSTEM_DISK", "DATA_DISK")
DISK_TYPES = ("CLOUD_BASIC", "CLOUD_PREMIUM", "CLOUD_BSSD", "CLOUD_SSD", "CLOUD_HSSD", "CLOUD_TSSD")
DISK_CHARGE_TYPES = ("PREPAID", "POSTPAID_BY_HOUR", "CDCPAID")
PLACEMENT_KEYS = ("Zone", "CageId", "CdcId", "CdcName", "DedicatedClusterId", "ProjectId", "ProjectName")
CREATE_DISKS_PARAMS = (  # the SDK's CreateDisksRequest
    "Placement",
    "DiskChargeType",
    "DiskType",
    "DiskName",
    "Tags",
    "SnapshotId",
    "DiskCount",
    "ThroughputPerformance",
    "KmsKeyId",
    "DiskSize",
    "Shareable",
    "ClientToken",
    "Encrypt",
    "DiskChargePrepaid",
    "DeleteSnapshot",
    "AutoMountConfiguration",
    "DiskBackupQuota",
    "BurstPerformance",
    "EncryptType",
)
REGIONS = frozenset(
    (
        "ap-guangzhou",
        "ap-shanghai",
        "ap-nanjing",
        "ap-beijing",
        "ap-chengdu",
        "ap-chongqing",
        "ap-hongkong",
        "ap-singapore",
        "ap-jakarta",
        "ap-seoul",
        "ap-tokyo",
        "ap-mumbai",
        "ap-bangkok",
        "na-siliconvalley",
        "na-ashburn",
        "eu-frankfurt",
        "sa-saopaulo",
        "ap-shanghai-fsi",
        "ap-shenzhen-fsi",
        "ap-beijing-fsi",
    )
)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_authorization(value: str) -> dict:
    """``TC3-HMAC-SHA256 Credential=ID/DATE/SERVICE/tc3_request, SignedHeaders=a;b, Signature=HEX``."""
    algorithm, _separator, rest = (value or "").partition(" ")
    try:
        fields = dict(part.strip().split("=", 1) for part in rest.split(","))
        secret_id, date, service, terminator = fields["Credential"].split("/")
        signed, signature = fields["SignedHeaders"].split(";"), fields["Signature"]
    except (KeyError, ValueError):
        raise ApiError("AuthFailure.InvalidAuthorization", "Authorization header is malformed") from None
    if algorithm != ALGORITHM or terminator != "tc3_request":
        raise ApiError("AuthFailure.InvalidAuthorization", "Authorization header is malformed")
    return {"secret_id": secret_id, "date": date, "service": service, "signed": signed, "signature": signature}


def canonical_request(req, signed_headers: list) -> str:
    """The canonical request, from the headers and body exactly as received."""
    headers = "".join(f"{name}:{(req.headers.get(name) or '').strip()}\n" for name in signed_headers)
    payload = req.body
    if req.headers.get("X-TC-Content-SHA256") == "UNSIGNED-PAYLOAD":
        payload = b"UNSIGNED-PAYLOAD"
    return "\n".join([req.method, req.path, req.query, headers, ";".join(signed_headers), sha256_hex(payload)])


def string_to_sign(timestamp: str, date: str, service: str, canonical: str) -> str:
    return f"{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{sha256_hex(canonical.encode())}"


def invalid_type(name: str) -> ApiError:
    return ApiError("InvalidParameter", f"The value type of parameter `{name}` is invalid.")


def invalid_value(name: str, value=None) -> ApiError:
    if name == "Limit" and isinstance(value, int) and value > 100:
        return ApiError("InvalidParameterValue.LimitExceeded", "`Limit` must be at most 100.")
    return ApiError("InvalidParameterValue", f"The value of parameter `{name}` is invalid: {value!r}.")


class Params:
    """The JSON body of one request: rejects unknown names, checks types."""

    def __init__(self, body: dict, *allowed: str):
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            raise ApiError("UnknownParameter", f"The parameter `{unknown[0]}` is not recognized.")
        self.body = body

    def _get(self, name, kind, required=False):
        value = self.body.get(name)
        if value is None:
            if required:
                raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise invalid_type(name)
        return value

    def text(self, name, required=False, default=None):
        value = self._get(name, str, required)
        return default if value in (None, "") else value

    def integer(self, name, default):
        value = self._get(name, int)
        return default if value is None else value

    def flag(self, name):
        return self._get(name, bool)

    def strs(self, name, required=False):
        values = self._get(name, list, required)
        if values is not None and not all(isinstance(v, str) for v in values):
            raise invalid_type(name)
        if required and not values:
            raise ApiError("MissingParameter", f"The request is missing a required parameter `{name}`.")
        return values

    def tags(self):
        tags = self._get("Tags", list) or []
        if not all(
            isinstance(t, dict)
            and set(t) == {"Key", "Value"}
            and isinstance(t["Key"], str)
            and t["Key"]
            and isinstance(t["Value"], str)
            for t in tags
        ):
            raise invalid_type("Tags")
        return [{"Key": t["Key"], "Value": t["Value"]} for t in tags]

    def filters(self, max_values: dict):
        filters = self._get("Filters", list)
        if filters is None:
            return None
        parsed = []
        for item in filters:
            if not (
                isinstance(item, dict)
                and set(item) == {"Name", "Values"}
                and isinstance(item["Name"], str)
                and isinstance(item["Values"], list)
                and all(isinstance(v, str) for v in item["Values"])
            ):
                raise invalid_type("Filters")
            limit = max_values.get(item["Name"], 100)
            if len(item["Values"]) > limit:
                raise ApiError(
                    "InvalidParameterValue.LimitExceeded", f"Filter `{item['Name']}` accepts at most {limit} values."
                )
            parsed.append((item["Name"], item["Values"]))
        return parsed


def _int_list(item: dict, key: str, low: int, high: int):
    values = item.get(key)
    if values is None:
        return None
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    ):
        raise invalid_type("Policy")
    if not all(low <= v <= high for v in values):
        raise invalid_value(f"Policy.{key}", values)
    return sorted(set(values))


def parse_schedule(items) -> list:
    """The ``Policy`` items of a request: each an Hour list and one of DayOfWeek, DayOfMonth, IntervalDays."""
    if not isinstance(items, list) or not items:
        raise ApiError("MissingParameter", "The request is missing a required parameter `Policy`.")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise invalid_type("Policy")
        unknown = sorted(set(item) - set(SCHEDULE_KEYS))
        if unknown:
            raise ApiError("UnknownParameter", f"The parameter `Policy.{unknown[0]}` is not recognized.")
        hours = _int_list(item, "Hour", 0, 23)
        if hours is None:
            raise ApiError("MissingParameter", "The request is missing a required parameter `Policy.Hour`.")
        days = {"DayOfWeek": _int_list(item, "DayOfWeek", 0, 6), "DayOfMonth": _int_list(item, "DayOfMonth", 1, 31)}
        interval = item.get("IntervalDays")
        if interval is not None:
            if not isinstance(interval, int) or isinstance(interval, bool):
                raise invalid_type("Policy")
            if not 1 <= interval <= 365:
                raise invalid_value("Policy.IntervalDays", interval)
            days["IntervalDays"] = interval
        given = {key: value for key, value in days.items() if value is not None}
        if len(given) != 1:
            raise ApiError(
                "InvalidParameterValue", "Each `Policy` needs exactly one of DayOfWeek, DayOfMonth and IntervalDays."
            )
        parsed.append(dict(Hour=hours, **given))
    return parsed


def next_trigger(schedule: list, created: float, now: float) -> float:
    """The first whole hour after ``now`` (Beijing time) that one of the ``Policy`` items names."""
    start = datetime.fromtimestamp(now, BEIJING)
    first_day = datetime.fromtimestamp(created, BEIJING).date()
    best = None
    for item in schedule:
        for offset in range(0, 400):
            day = start.date() + timedelta(days=offset)
            if "DayOfWeek" in item and (day.isoweekday() % 7) not in item["DayOfWeek"]:
                continue
            if "DayOfMonth" in item and day.day not in item["DayOfMonth"]:
                continue
            if "IntervalDays" in item and (day - first_day).days % item["IntervalDays"]:
                continue
            moments = [
                datetime(day.year, day.month, day.day, hour, tzinfo=BEIJING).timestamp() for hour in item["Hour"]
            ]
            later = [moment for moment in moments if moment > now]
            if later:
                best = min(later) if best is None else min(best, *later)
                break
    return best


def beijing_time(timestamp) -> str:
    return datetime.fromtimestamp(int(timestamp), BEIJING).isoformat() if timestamp is not None else None


def _prefixed_column(column, key: str, row) -> list:
    """A ``<prefix>:<key>`` filter column: the prefix's column function asked for one key."""
    return column(row, key)


def match_filters(rows: list, filters: list, columns: dict) -> list:
    """AND across filters, OR across the values of one filter; ``tag:<key>`` is a prefix column."""
    for name, values in filters:
        column = columns.get(name)
        if column is None and name.startswith("tag:") and "tag:" in columns:
            column = functools.partial(_prefixed_column, columns["tag:"], name[4:])
        if column is None:
            raise ApiError("InvalidFilter", f"The filter `{name}` is not supported.")
        wanted = set(values)
        rows = [row for row in rows if wanted & set(column(row))]
    return rows


def _bool_text(value: bool):
    return [str(value).upper(), str(value).lower()]


SNAPSHOT_FREE_QUOTA = 50.0  # GiB of snapshot storage DescribeSnapshotOverview reports as free

SNAPSHOT_COLUMNS = {
    "snapshot-id": lambda r: [r["SnapshotId"]],
    "snapshot-name": lambda r: [r["SnapshotName"]],
    "snapshot-state": lambda r: [r["SnapshotState"]],
    "snapshot-type": lambda r: [r["SnapshotType"]],
    "disk-usage": lambda r: [r["DiskUsage"]],
    "disk-id": lambda r: [r["DiskId"]],
    "project-id": lambda r: [str(r["Placement"]["ProjectId"])],
    "zone": lambda r: [r["Placement"]["Zone"]],
    "encrypt": lambda r: _bool_text(r["Encrypt"]),
}
POLICY_COLUMNS = {
    "auto-snapshot-policy-id": lambda r: [r["AutoSnapshotPolicyId"]],
    "auto-snapshot-policy-name": lambda r: [r["AutoSnapshotPolicyName"]],
    "auto-snapshot-policy-state": lambda r: [r["AutoSnapshotPolicyState"]],
}
DISK_COLUMNS = {
    "disk-id": lambda r: [r["DiskId"]],
    "disk-name": lambda r: [r["DiskName"]],
    "disk-usage": lambda r: [r["DiskUsage"]],
    "disk-type": lambda r: [r["DiskType"]],
    "disk-state": lambda r: [r["DiskState"]],
    "instance-id": lambda r: [r["InstanceId"]],
    "zone": lambda r: [r["Placement"]["Zone"]],
    "project-id": lambda r: [str(r["Placement"]["ProjectId"])],
    "encrypt": lambda r: _bool_text(r["Encrypt"]),
    "tag-key": lambda r: [t["Key"] for t in r["Tags"]],
    "tag-value": lambda r: [t["Value"] for t in r["Tags"]],
    "tag:": lambda r, key: [t["Value"] for t in r["Tags"] if t["Key"] == key],
}


class TencentApi(CloudApi):
    cloud = "tencent"

    def __init__(self, state, credentials: dict):
        self.state = state
        self.credentials = credentials  # secret id -> (secret key, required token or None)

    # ------------------------------------------------------------------ protocol
    def parse(self, req):
        try:
            params = json.loads(req.body or b"{}")
        except ValueError:
            params = None
        return req.headers.get("X-TC-Action", ""), params if isinstance(params, dict) else None

    def verify(self, req, name, params):
        self._authenticate(req)
        version = req.headers.get("X-TC-Version")
        if not version:
            raise ApiError("MissingParameter", "The request is missing a required parameter `Version`.")
        if version != VERSION:
            raise ApiError("NoSuchVersion", f"The API version `{version}` does not exist for cbs.")
        region = req.headers.get("X-TC-Region")
        if not region:
            raise ApiError("MissingParameter", "The request is missing a required parameter `Region`.")
        if region not in REGIONS | {d.region for d in self.state.cbs_disks.values()}:
            raise ApiError("UnsupportedRegion", f"The region `{region}` is not supported.")
        handler = self.handler(name)
        if params is None:
            raise ApiError("InvalidParameter", "The request body must be a JSON object.")
        return lambda p: handler(p, region)

    def _authenticate(self, req):
        auth = parse_authorization(req.headers.get("Authorization"))
        secret = self.credentials.get(auth["secret_id"])
        if secret is None:
            raise ApiError("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        secret_key, token = secret
        if token is not None and req.headers.get("X-TC-Token") != token:
            raise ApiError("AuthFailure.TokenFailure", "The temporary credential token is invalid.")
        timestamp = req.headers.get("X-TC-Timestamp") or ""
        if not timestamp.isdigit():
            raise ApiError("AuthFailure.InvalidAuthorization", "X-TC-Timestamp is missing or invalid.")
        if abs(time.time() - int(timestamp)) > MAX_SKEW:
            raise ApiError("AuthFailure.SignatureExpire", "Signature expired: timestamp is more than 5 minutes away.")
        if auth["date"] != utc_date(int(timestamp)) or auth["service"] != SERVICE:
            raise ApiError(
                "AuthFailure.SignatureFailure",
                f"Credential scope must be {utc_date(int(timestamp))}/{SERVICE}/tc3_request.",
            )
        if not {"content-type", "host"} <= set(auth["signed"]):
            raise ApiError("AuthFailure.InvalidAuthorization", "SignedHeaders must include content-type and host.")
        to_sign = string_to_sign(timestamp, auth["date"], auth["service"], canonical_request(req, auth["signed"]))
        expected = Sign.sign_tc3(secret_key, auth["date"], auth["service"], to_sign)
        if not hmac.compare_digest(expected, auth["signature"]):
            raise ApiError(
                "AuthFailure.SignatureFailure",
                "The provided credentials could not be validated. Please check your signature is correct.",
            )

    def region_of(self, req):
        return req.headers.get("X-TC-Region")

    def loggable(self, params):
        return params if params is not None else {}

    def unknown_action(self, name):
        return ApiError("InvalidAction", f"The action `{name}` does not exist.")

    def answer(self, name, result, request_id):
        return json_answer({"Response": {**result, "RequestId": request_id}})

    def error(self, name, err, request_id):
        return json_answer({"Response": {"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id}})

    def throttled(self):
        return ApiError("RequestLimitExceeded", "Your request frequency exceeds the limit of this action.")

    def server_error(self, alt, request_id):
        if alt:
            return text_answer(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        return self.error("", ApiError("InternalError", "An internal error occurred."), request_id)

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _name(p: Params, name: str):
        value = p.text(name)
        if value is not None and len(value) > MAX_NAME:
            raise ApiError("InvalidParameterValue.TooLong", f"`{name}` must be at most {MAX_NAME} characters.")
        return value

    @staticmethod
    def _deadline(p: Params, now: float):
        text = p.text("Deadline")
        if text is None:
            return None
        deadline = parse_iso_utc(text)
        if deadline is None:
            raise invalid_value("Deadline", text)
        if deadline < now + 86400 - 60:  # one minute of grace for the client's clock
            raise ApiError("InvalidParameterValue", "`Deadline` must be at least one day later than now.")
        return deadline

    @staticmethod
    def _page(p: Params):
        return p.integer("Offset", 0), p.integer("Limit", 20)

    def _snapshot(self, snapshot_id: str, region: str) -> Snapshot:
        snap = self.state.snapshots.get(snapshot_id)
        if snap is None or snap.region != region:
            raise ApiError("InvalidSnapshotId.NotFound", f"The snapshot `{snapshot_id}` does not exist.")
        return snap

    @staticmethod
    def _snapshot_row(s: Snapshot, now: float) -> dict:
        return {
            "SnapshotId": s.id,
            "SnapshotName": s.name,
            "SnapshotState": s.state(now),
            "Percent": s.percent(now),
            "CreateTime": iso_utc(s.create_time),
            "DeadlineTime": iso_utc(s.deadline),
            "IsPermanent": s.deadline is None,
            "DiskId": s.disk_id,
            "DiskSize": s.size,
            "DiskUsage": s.usage,
            "Encrypt": s.encrypted,
            "Tags": [dict(t) for t in s.tags],
            "Placement": {"Zone": s.zone, "ProjectId": s.project_id},
            "SnapshotType": "PRIVATE_SNAPSHOT",
            "CopyFromRemote": s.copy_from_remote,
            "CopyingToRegions": sorted(r for r, done in s.copying_to.items() if done > now),
            "ImageCount": 0,
            "Images": [],
            "ShareReference": 0,
            "TimeStartShare": None,
        }

    def _disk_row(self, d, snapshots_of, now) -> dict:
        snaps = snapshots_of.get((d.id, d.region), [])
        state = d.state_at(now)
        return {
            "DiskId": d.id,
            "DiskName": d.name,
            "DiskSize": d.size,
            "DiskState": state,
            "Rollbacking": state == "ROLLBACKING",
            "RollbackPercent": d.rollback_percent(now),
            "DiskUsage": d.usage,
            "DiskType": d.disk_type,
            "DiskChargeType": d.charge_type,
            "SnapshotAbility": d.snapshot_ability,
            "Encrypt": d.encrypted,
            "Tags": [{"Key": k, "Value": v} for k, v in d.tags.items()],
            "Placement": {"Zone": d.zone, "ProjectId": d.project_id},
            "CreateTime": iso_utc(d.create_time),
            "SnapshotCount": len(snaps),
            "SnapshotSize": sum(s.size for s in snaps),
            "Portable": d.usage == "DATA_DISK",
            "Attached": d.state == "ATTACHED",
            "InstanceId": d.instance_id,
        }

    # ------------------------------------------------------------------ snapshots
    @action("CreateSnapshot", mutates=True)
    def create_snapshot(self, body, region):
        p = Params(body, "DiskId", "SnapshotName", "Deadline", "DiskBackupId", "Tags", "DiskUsage")
        now = time.time()
        disk_id = p.text("DiskId", required=True)
        name = self._name(p, "SnapshotName") or "Unnamed"
        deadline = self._deadline(p, now)
        tags = p.tags()
        usage = p.text("DiskUsage")
        if usage not in (None, *DISK_USAGES):
            raise invalid_value("DiskUsage", usage)
        disk = self.state.cbs_disks.get(disk_id)
        if disk is None or disk.region != region:
            raise ApiError("InvalidDiskId.NotFound", f"The disk `{disk_id}` does not exist.")
        if not disk.snapshot_ability:
            raise ApiError("InvalidDisk.NotSupportSnapshot", "The cloud disk does not support snapshot.")
        settings = self.state.settings
        if disk.encrypted and settings.reject_encrypted:
            raise ApiError("UnsupportedOperation.DiskEncrypt", "The disk is encrypted.")
        own = [s for s in self.state.snapshots.values() if s.disk_id == disk.id]
        if settings.busy_while_creating and any(s.state(now) == "CREATING" for s in own):
            raise ApiError("InvalidDisk.SnapshotCreating", "A snapshot is being created for the cloud disk.")
        if settings.snapshot_quota and len(own) >= settings.snapshot_quota:
            raise ApiError("InsufficientSnapshotQuota", "Insufficient snapshot quota.")
        snap = Snapshot(
            id=self.state.new_id("snap-", self.state.snapshots),
            disk_id=disk.id,
            region=disk.region,
            zone=disk.zone,
            name=name,
            size=disk.size,
            usage=usage or disk.usage,
            encrypted=disk.encrypted,
            project_id=disk.project_id,
            tags=tags,
            create_time=now,
            ready_at=now + settings.snapshot_delay,
            deadline=deadline,
            disk_backup_id=p.text("DiskBackupId"),
        )
        self.state.snapshots[snap.id] = snap
        return {"SnapshotId": snap.id}

    @action("DescribeSnapshots")
    def describe_snapshots(self, body, region):
        p = Params(body, "SnapshotIds", "Filters", "Offset", "Limit", "OrderField", "Order")
        ids, filters = p.strs("SnapshotIds"), p.filters({"disk-id": 10})
        if ids is not None and filters is not None:
            raise ApiError("InvalidParameter", "`SnapshotIds` and `Filters` cannot be specified at the same time.")
        if p.text("OrderField", default="CREATE_TIME") != "CREATE_TIME":
            raise invalid_value("OrderField", p.text("OrderField"))
        order = p.text("Order", default="DESC")
        if order not in ("ASC", "DESC"):
            raise invalid_value("Order", order)
        offset, limit = self._page(p)
        now = time.time()
        self.state.expire_snapshots(now)
        snaps = [s for s in self.state.snapshots.values() if s.region == region and (ids is None or s.id in ids)]
        snaps.sort(key=lambda s: (s.create_time, s.id), reverse=order == "DESC")
        rows = match_filters([self._snapshot_row(s, now) for s in snaps], filters or [], SNAPSHOT_COLUMNS)
        page, total = paginate(rows, offset, limit, invalid_value)
        return {"TotalCount": total, "SnapshotSet": page}

    @action("DeleteSnapshots", mutates=True)
    def delete_snapshots(self, body, region):
        p = Params(body, "SnapshotIds", "DeleteBindImages")
        ids = p.strs("SnapshotIds", required=True)
        p.flag("DeleteBindImages")
        now = time.time()
        self.state.expire_snapshots(now)
        for snap in [self._snapshot(i, region) for i in ids]:
            if snap.state(now) != "NORMAL":
                raise ApiError("InvalidSnapshot.NotNormal", f"The snapshot `{snap.id}` is not NORMAL.")
        for snapshot_id in ids:
            self.state.snapshots.pop(snapshot_id, None)
        return {}

    @action("ModifySnapshotAttribute", mutates=True)
    def modify_snapshot_attribute(self, body, region):
        p = Params(body, "SnapshotId", "SnapshotName", "IsPermanent", "Deadline")
        now = time.time()
        self.state.expire_snapshots(now)
        snap = self._snapshot(p.text("SnapshotId", required=True), region)
        name, permanent, deadline = self._name(p, "SnapshotName"), p.flag("IsPermanent"), self._deadline(p, now)
        if permanent is False and deadline is None and snap.deadline is None:
            raise ApiError("MissingParameter", "`Deadline` is required when `IsPermanent` is false.")
        if name is not None:
            snap.name = name
        if permanent:
            snap.deadline = None
        elif deadline is not None:
            snap.deadline = deadline
        return {}

    @action("CopySnapshotCrossRegions", mutates=True)
    def copy_snapshot_cross_regions(self, body, region):
        p = Params(body, "DestinationRegions", "SnapshotId", "SnapshotName")
        regions = p.strs("DestinationRegions", required=True)
        now = time.time()
        self.state.expire_snapshots(now)
        source = self._snapshot(p.text("SnapshotId", required=True), region)
        name = self._name(p, "SnapshotName") or "Copied %s from %s" % (source.id, region)
        for destination in regions:
            if destination not in REGIONS or destination == region:
                raise invalid_value("DestinationRegions", destination)
        if source.state(now) != "NORMAL" or source.copy_from_remote:
            raise ApiError(
                "UnsupportedOperation.SnapshotNotSupportCopy", f"The snapshot `{source.id}` cannot be copied now."
            )
        results = []
        for destination in regions:
            if source.copying_to.get(destination, 0) > now:
                results.append(
                    {
                        "SnapshotId": "",
                        "Code": "ResourceInUse.CopySnapshotConflict",
                        "Message": f"The snapshot is being copied to {destination}.",
                        "DestinationRegion": destination,
                    }
                )
                continue
            quota = self.state.settings.snapshot_quota
            own = [s for s in self.state.snapshots.values() if s.disk_id == source.disk_id and s.region == destination]
            if quota and len(own) >= quota:
                results.append(
                    {
                        "SnapshotId": "",
                        "Code": "InsufficientSnapshotQuota",
                        "Message": "Insufficient snapshot quota.",
                        "DestinationRegion": destination,
                    }
                )
                continue
            copy = Snapshot(
                id=self.state.new_id("snap-", self.state.snapshots),
                disk_id=source.disk_id,
                region=destination,
                zone=destination + "-1",
                name=name,
                size=source.size,
                usage=source.usage,
                encrypted=source.encrypted,
                project_id=source.project_id,
                tags=[],
                create_time=now,
                ready_at=now + self.state.settings.copy_delay,
                copy_from_remote=True,
            )
            self.state.snapshots[copy.id] = copy
            source.copying_to[destination] = copy.ready_at
            results.append({"SnapshotId": copy.id, "Code": "Success", "Message": "", "DestinationRegion": destination})
        return {"SnapshotCopyResultSet": results}

    @action("DescribeSnapshotOverview")
    def describe_snapshot_overview(self, body, region):
        """The region's snapshot storage (fields of the SDK's DescribeSnapshotOverviewResponse, in GiB): every
        snapshot counts its disk's size, the first SNAPSHOT_FREE_QUOTA GiB are free."""
        Params(body)
        now = time.time()
        self.state.expire_snapshots(now)
        snaps = [s for s in self.state.snapshots.values() if s.region == region]
        total = float(sum(s.size for s in snaps))
        return {
            "TotalNums": len(snaps),
            "TotalSize": total,
            "FreeQuota": SNAPSHOT_FREE_QUOTA,
            "RealTradeSize": max(0.0, total - SNAPSHOT_FREE_QUOTA),
        }

    # ------------------------------------------------------------------ disks
    @action("DescribeDisks")
    def describe_disks(self, body, region):
        p = Params(body, "DiskIds", "Filters", "Offset", "Limit", "OrderField", "Order", "ReturnBindAutoSnapshotPolicy")
        ids, filters = p.strs("DiskIds"), p.filters({})
        if ids is not None and filters is not None:
            raise ApiError("InvalidParameter", "`DiskIds` and `Filters` cannot be specified at the same time.")
        order = p.text("Order", default="ASC")
        if order not in ("ASC", "DESC") or p.text("OrderField", default="CREATE_TIME") not in (
            "CREATE_TIME",
            "DEADLINE",
        ):
            raise invalid_value("Order", order)
        bindings = p.flag("ReturnBindAutoSnapshotPolicy")
        offset, limit = self._page(p)
        disks = [d for d in self.state.cbs_disks.values() if d.region == region and (ids is None or d.id in ids)]
        disks.sort(key=lambda d: (d.create_time, d.id), reverse=order == "DESC")
        snapshots_of = {}  # (disk id, region) -> its snapshots, gathered once per call, not once per disk
        for snap in self.state.snapshots.values():
            snapshots_of.setdefault((snap.disk_id, snap.region), []).append(snap)
        now = time.time()
        rows = match_filters([self._disk_row(d, snapshots_of, now) for d in disks], filters or [], DISK_COLUMNS)
        page, total = paginate(rows, offset, limit, invalid_value)
        if bindings:
            bound = {}
            for policy in self.state.policies.values():
                if policy.region == region:
                    for disk_id in policy.disk_ids:
                        bound.setdefault(disk_id, []).append(policy.id)
            page = [dict(row, AutoSnapshotPolicyIds=bound.get(row["DiskId"], [])) for row in page]
        return {"TotalCount": total, "DiskSet": page}

    # ------------------------------------------------------------------ automatic snapshot policies
    def _policy(self, policy_id: str, region: str) -> AutoSnapshotPolicy:
        policy = self.state.policies.get(policy_id)
        if policy is None or policy.region != region:
            raise ApiError(
                "InvalidAutoSnapshotPolicyId.NotFound", f"The automatic snapshot policy `{policy_id}` does not exist."
            )
        return policy

    @staticmethod
    def _policy_name(p: Params):
        name = p.text("AutoSnapshotPolicyName")
        if name is not None and len(name.encode("utf-8")) > MAX_NAME:
            raise ApiError(
                "InvalidParameterValue.TooLong", f"`AutoSnapshotPolicyName` must be at most {MAX_NAME} bytes."
            )
        return name

    @staticmethod
    def _retention(p: Params):
        permanent, days = p.flag("IsPermanent"), p._get("RetentionDays", int)
        if days is not None and days < 1:
            raise invalid_value("RetentionDays", days)
        if permanent and days is not None:
            raise ApiError("InvalidParameterValue", "`RetentionDays` cannot be given with `IsPermanent` true.")
        return permanent, days

    @staticmethod
    def _policy_row(policy: AutoSnapshotPolicy, now: float) -> dict:
        return {
            "AutoSnapshotPolicyId": policy.id,
            "AutoSnapshotPolicyName": policy.name,
            "AutoSnapshotPolicyState": policy.state,
            "IsActivated": policy.activated,
            "IsPermanent": policy.permanent,
            "RetentionDays": policy.retention_days,
            "CreateTime": iso_utc(policy.create_time),
            "NextTriggerTime": beijing_time(next_trigger(policy.schedule, policy.create_time, now)),
            "Policy": [dict(item) for item in policy.schedule],
            "DiskIdSet": list(policy.disk_ids),
            "IsCopyToRemote": 0,
        }

    @action("CreateAutoSnapshotPolicy", mutates=True)
    def create_auto_snapshot_policy(self, body, region):
        p = Params(body, "Policy", "AutoSnapshotPolicyName", "IsActivated", "IsPermanent", "RetentionDays", "DryRun")
        now = time.time()
        schedule = parse_schedule(p._get("Policy", list, required=True))
        name = self._policy_name(p) or "Not named"
        activated = p.flag("IsActivated")
        permanent, days = self._retention(p)
        if p.flag("DryRun"):
            return {"NextTriggerTime": beijing_time(next_trigger(schedule, now, now))}
        quota = self.state.settings.policy_quota
        if quota and sum(1 for policy in self.state.policies.values() if policy.region == region) >= quota:
            raise ApiError(
                "LimitExceeded.AutoSnapshotPolicyOutOfQuota", "The automatic snapshot policy quota is used up."
            )
        policy = AutoSnapshotPolicy(
            id=self.state.new_id("asp-", self.state.policies),
            region=region,
            name=name,
            schedule=schedule,
            activated=True if activated is None else activated,
            permanent=bool(permanent),
            retention_days=7 if days is None else days,
            create_time=now,
        )
        self.state.policies[policy.id] = policy
        return {"AutoSnapshotPolicyId": policy.id, "NextTriggerTime": beijing_time(next_trigger(schedule, now, now))}

    @action("ModifyAutoSnapshotPolicyAttribute", mutates=True)
    def modify_auto_snapshot_policy_attribute(self, body, region):
        p = Params(
            body,
            "AutoSnapshotPolicyId",
            "IsActivated",
            "IsPermanent",
            "AutoSnapshotPolicyName",
            "Policy",
            "RetentionDays",
        )
        policy = self._policy(p.text("AutoSnapshotPolicyId", required=True), region)
        schedule = p._get("Policy", list)
        schedule = None if schedule is None else parse_schedule(schedule)
        name, activated = self._policy_name(p), p.flag("IsActivated")
        permanent, days = self._retention(p)
        if schedule is not None:
            policy.schedule = schedule
        if name is not None:
            policy.name = name
        if activated is not None:
            policy.activated = activated
        if days is not None:
            policy.retention_days, policy.permanent = days, False
        elif permanent is not None:
            policy.permanent = permanent
        return {}

    @action("DescribeAutoSnapshotPolicies")
    def describe_auto_snapshot_policies(self, body, region):
        p = Params(body, "AutoSnapshotPolicyIds", "Filters", "Limit", "Offset", "Order", "OrderField")
        ids, filters = p.strs("AutoSnapshotPolicyIds"), p.filters({})
        if ids is not None and filters is not None:
            raise ApiError(
                "InvalidParameter", "`AutoSnapshotPolicyIds` and `Filters` cannot be specified at the same time."
            )
        order = p.text("Order", default="ASC")
        if order not in ("ASC", "DESC"):
            raise invalid_value("Order", order)
        if p.text("OrderField", default="CREATETIME") not in ("CREATETIME", "CREATE_TIME"):
            raise invalid_value("OrderField", p.text("OrderField"))
        offset, limit = self._page(p)
        now = time.time()
        policies = [
            policy
            for policy in self.state.policies.values()
            if policy.region == region and (ids is None or policy.id in ids)
        ]
        policies.sort(key=lambda policy: (policy.create_time, policy.id), reverse=order == "DESC")
        rows = match_filters([self._policy_row(policy, now) for policy in policies], filters or [], POLICY_COLUMNS)
        page, total = paginate(rows, offset, limit, invalid_value)
        return {"TotalCount": total, "AutoSnapshotPolicySet": page}

    @action("DeleteAutoSnapshotPolicies", mutates=True)
    def delete_auto_snapshot_policies(self, body, region):
        p = Params(body, "AutoSnapshotPolicyIds")
        ids = p.strs("AutoSnapshotPolicyIds", required=True)
        for policy_id in ids:  # all or nothing
            self._policy(policy_id, region)
        for policy_id in ids:
            self.state.policies.pop(policy_id, None)
        return {}

    @action("BindAutoSnapshotPolicy", mutates=True)
    def bind_auto_snapshot_policy(self, body, region):
        p = Params(body, "AutoSnapshotPolicyId", "DiskIds")
        policy = self._policy(p.text("AutoSnapshotPolicyId", required=True), region)
        disk_ids = p.strs("DiskIds", required=True)
        if len(disk_ids) > BIND_MAX:
            raise ApiError(
                "InvalidParameterValue.BindDiskLimitExceeded", f"At most {BIND_MAX} disks can be bound in one call."
            )
        for disk_id in disk_ids:  # all or nothing
            disk = self.state.cbs_disks.get(disk_id)
            if disk is None or disk.region != region:
                raise ApiError("InvalidDiskId.NotFound", f"The disk `{disk_id}` does not exist.")
            if not disk.snapshot_ability:
                raise ApiError("InvalidDisk.NotSupportSnapshot", f"The disk `{disk_id}` does not support snapshot.")
            if disk_id in policy.disk_ids:
                raise ApiError("InvalidDisk.AlreadyBound", f"The disk `{disk_id}` is already bound to the policy.")
        policy.disk_ids.extend(dict.fromkeys(disk_ids))
        return {}

    @action("UnbindAutoSnapshotPolicy", mutates=True)
    def unbind_auto_snapshot_policy(self, body, region):
        p = Params(body, "AutoSnapshotPolicyId", "DiskIds", "InstanceIds")
        policy = self._policy(p.text("AutoSnapshotPolicyId", required=True), region)
        disk_ids = set(p.strs("DiskIds") or [])
        p.strs("InstanceIds")
        policy.disk_ids = [disk_id for disk_id in policy.disk_ids if disk_id not in disk_ids]
        return {}

    # ------------------------------------------------------------------ restores: rollback, disks from snapshots
    def _disk(self, disk_id: str, region: str):
        disk = self.state.cbs_disks.get(disk_id)
        if disk is None or disk.region != region:
            raise ApiError("InvalidDiskId.NotFound", f"The disk `{disk_id}` does not exist.")
        return disk

    @action("ApplySnapshot", mutates=True)
    def apply_snapshot(self, body, region):
        """Rolls a disk back to one of its own NORMAL snapshots; ROLLBACKING for ``rollback_delay`` seconds."""
        p = Params(body, "SnapshotId", "DiskId", "AutoStopInstance", "AutoStartInstance")
        snapshot_id, disk_id = p.text("SnapshotId", required=True), p.text("DiskId", required=True)
        auto_stop, auto_start = p.flag("AutoStopInstance"), p.flag("AutoStartInstance")
        if auto_start and not auto_stop:
            raise ApiError("InvalidParameter", "`AutoStartInstance` can only be true with `AutoStopInstance` true.")
        now = time.time()
        self.state.expire_snapshots(now)
        snap, disk = self._snapshot(snapshot_id, region), self._disk(disk_id, region)
        if snap.disk_id != disk.id:
            raise invalid_value("SnapshotId", f"{snapshot_id} is not a snapshot of {disk_id}")
        state, snap_state = disk.state_at(now), snap.state(now)
        if state == "ROLLBACKING":
            raise ApiError("ResourceInUse.DiskRollbacking", f"The disk `{disk_id}` is being rolled back.")
        if state not in ("ATTACHED", "UNATTACHED"):
            raise ApiError("InvalidDisk.Busy", f"The disk `{disk_id}` is {state}.")
        if snap_state == "CREATING":
            raise ApiError("ResourceUnavailable.SnapshotCreating", f"The snapshot `{snapshot_id}` is being created.")
        if snap_state != "NORMAL":
            raise ApiError("InvalidSnapshot.NotSupported", f"The snapshot `{snapshot_id}` is {snap_state}.")
        if snap.size > disk.size:
            raise ApiError("InvalidParameter.DiskSizeNotMatch", "The snapshot is larger than the disk.")
        if state == "ATTACHED" and not auto_stop:
            raise ApiError(
                "UnsupportedOperation.InstanceNotStopped",
                f"The disk `{disk_id}` is attached to a running instance: set AutoStopInstance.",
            )
        if state == "ATTACHED" and not disk.instance_stoppable:
            raise ApiError("InvalidInstance.NotSupported", "The instance does not support stopping for a rollback.")
        delay = self.state.settings.rollback_delay
        disk.busy_state, disk.busy_since, disk.busy_until = "ROLLBACKING", now, now + delay
        disk.rollbacks.append(snap.id)
        snap.rollback_until = now + delay
        return {}

    @action("CreateDisks", mutates=True)
    def create_disks(self, body, region):
        """Pay-as-you-go or monthly disks, empty or from a snapshot; one ClientToken answers the same disks."""
        p = Params(body, *CREATE_DISKS_PARAMS)
        placement = p._get("Placement", dict, required=True)
        unknown = sorted(set(placement) - set(PLACEMENT_KEYS))
        if unknown:
            raise ApiError("UnknownParameter", f"The parameter `Placement.{unknown[0]}` is not recognized.")
        zone = placement.get("Zone")
        if not isinstance(zone, str) or not zone:
            raise ApiError("MissingParameter", "The request is missing a required parameter `Placement.Zone`.")
        charge, kind = p.text("DiskChargeType", required=True), p.text("DiskType", required=True)
        token = p.text("ClientToken")
        if token is not None and (len(token) > 64 or not token.isascii()):
            raise ApiError("InvalidParameter.InvalidClientToken", "`ClientToken` must be at most 64 ASCII characters.")
        now = time.time()
        remembered = self.state.client_tokens.get(token)
        if remembered and now - remembered[1] < self.state.settings.client_token_ttl:
            return {"DiskIdSet": list(remembered[0])}
        if zone.rsplit("-", 1)[0] != region:
            raise invalid_value("Placement.Zone", zone)
        if charge not in DISK_CHARGE_TYPES:
            raise invalid_value("DiskChargeType", charge)
        if charge == "PREPAID" and p._get("DiskChargePrepaid", dict) is None:
            raise ApiError("MissingParameter", "The request is missing a required parameter `DiskChargePrepaid`.")
        if kind not in DISK_TYPES:
            raise invalid_value("DiskType", kind)
        name, count, tags = self._name(p, "DiskName") or "Unnamed", p.integer("DiskCount", 1), p.tags()
        size, source = self._new_disk_size(p, region, now)
        if not 1 <= count <= 50:
            raise invalid_value("DiskCount", count)
        ids = [self._new_disk(region, zone, name, size, kind, charge, tags, source, now) for _number in range(count)]
        if token is not None:
            self.state.client_tokens[token] = (ids, now)
        return {"DiskIdSet": ids}

    def _new_disk_size(self, p: Params, region: str, now: float):
        """The size of a new disk (at least its snapshot's) and the snapshot it is made from, if any."""
        size, snapshot_id = p._get("DiskSize", int), p.text("SnapshotId")
        if snapshot_id is None:
            if size is None:
                raise ApiError("MissingParameter", "The request is missing a required parameter `DiskSize`.")
            return size, None
        snap = self._snapshot(snapshot_id, region)
        if snap.state(now) != "NORMAL":
            raise ApiError("ResourceUnavailable.SnapshotCreating", f"The snapshot `{snapshot_id}` is not NORMAL.")
        if size is not None and size < snap.size:
            raise ApiError("InvalidParameter.DiskSizeNotMatch", f"`DiskSize` must be at least {snap.size} GB.")
        return snap.size if size is None else size, snap

    def _new_disk(self, region, zone, name, size, kind, charge, tags, source, now):
        disk = CbsDisk(
            id=self.state.new_id("disk-", self.state.cbs_disks),
            region=region,
            zone=zone,
            name=name,
            size=size,
            usage="DATA_DISK",
            disk_type=kind,
            state="UNATTACHED",
            encrypted=bool(source and source.encrypted),
            tags={t["Key"]: t["Value"] for t in tags},
            create_time=now,
            charge_type=charge,
            busy_state="CREATING",
            busy_since=now,
            busy_until=now + self.state.settings.disk_create_delay,
            source_snapshot=source.id if source else None,
        )
        self.state.cbs_disks[disk.id] = disk
        return disk.id

    @action("TerminateDisks", mutates=True)
    def terminate_disks(self, body, region):
        """Deletes pay-as-you-go disks that are not attached; all or nothing."""
        p = Params(body, "DiskIds", "DeleteSnapshot")
        ids = p.strs("DiskIds", required=True)
        if p._get("DeleteSnapshot", int) not in (None, 0, 1):
            raise invalid_value("DeleteSnapshot", body.get("DeleteSnapshot"))
        now = time.time()
        for disk in [self._disk(disk_id, region) for disk_id in ids]:
            if disk.state == "ATTACHED":
                raise ApiError("ResourceUnavailable.Attached", f"The disk `{disk.id}` is attached.")
            if disk.state_at(now) != disk.state:
                raise ApiError("InvalidDisk.Busy", f"The disk `{disk.id}` is {disk.state_at(now)}.")
            if disk.charge_type != "POSTPAID_BY_HOUR":
                raise ApiError("InvalidDisk.NotSupported", f"The disk `{disk.id}` is not pay-as-you-go.")
        for disk_id in ids:
            self.state.cbs_disks.pop(disk_id, None)
        return {}
