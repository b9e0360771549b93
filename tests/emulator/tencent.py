"""Tencent Cloud CBS API 3.0 (snapshots and disk discovery).

TC3-HMAC-SHA256 signatures are rebuilt from the received bytes and signed with the official
SDK's ``tencentcloud.common.sign.Sign.sign_tc3``.
"""

import functools
import hashlib
import hmac
import json
import time

from tencentcloud.common.sign import Sign

from .common import ApiError, CloudApi, action, iso_utc, json_answer, paginate, parse_iso_utc, text_answer, utc_date
from .state import Snapshot

VERSION = "2017-03-12"
SERVICE = "cbs"
ALGORITHM = "TC3-HMAC-SHA256"
MAX_SKEW = 300
MAX_NAME = 60
DISK_USAGES = ("SYSTEM_DISK", "DATA_DISK")
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
DISK_COLUMNS = {
    "disk-id": lambda r: [r["DiskId"]],
    "disk-name": lambda r: [r["DiskName"]],
    "disk-usage": lambda r: [r["DiskUsage"]],
    "disk-type": lambda r: [r["DiskType"]],
    "disk-state": lambda r: [r["DiskState"]],
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
            "CopyFromRemote": False,
            "CopyingToRegions": [],
            "ImageCount": 0,
            "Images": [],
            "ShareReference": 0,
            "TimeStartShare": None,
        }

    def _disk_row(self, d) -> dict:
        snaps = [s for s in self.state.snapshots.values() if s.disk_id == d.id]
        return {
            "DiskId": d.id,
            "DiskName": d.name,
            "DiskSize": d.size,
            "DiskState": d.state,
            "DiskUsage": d.usage,
            "DiskType": d.disk_type,
            "DiskChargeType": "POSTPAID_BY_HOUR",
            "SnapshotAbility": d.snapshot_ability,
            "Encrypt": d.encrypted,
            "Tags": [{"Key": k, "Value": v} for k, v in d.tags.items()],
            "Placement": {"Zone": d.zone, "ProjectId": d.project_id},
            "CreateTime": iso_utc(d.create_time),
            "SnapshotCount": len(snaps),
            "SnapshotSize": sum(s.size for s in snaps),
            "Portable": d.usage == "DATA_DISK",
            "Attached": d.state == "ATTACHED",
            "InstanceId": "",
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
        p.flag("ReturnBindAutoSnapshotPolicy")
        offset, limit = self._page(p)
        disks = [d for d in self.state.cbs_disks.values() if d.region == region and (ids is None or d.id in ids)]
        disks.sort(key=lambda d: (d.create_time, d.id), reverse=order == "DESC")
        rows = match_filters([self._disk_row(d) for d in disks], filters or [], DISK_COLUMNS)
        page, total = paginate(rows, offset, limit, invalid_value)
        return {"TotalCount": total, "DiskSet": page}
