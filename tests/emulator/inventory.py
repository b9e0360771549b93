"""Static inventories of the emulator's disks with the host variables of the disk inventory plugins.

The shared contract of ``snapshield.cloud.cbs_disks`` and ``snapshield.cloud.ucloud_disks``: the host name is
the disk id, every host has ``ansible_connection: local`` and ``ansible_python_interpreter:
'{{ ansible_playbook_python }}'``, and the variables below. Tests of the fleet roles over disk hosts use these
files, so they do not depend on the plugins themselves. ``sliced`` cuts hosts as AWX's job slicing does.
"""

import json

LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
GROUPS = {"tencent": "cbs_disks", "ucloud": "ucloud_disks"}


def cbs_host(disk: dict, policies: list) -> dict:
    return {
        **LOCAL,
        "cloud": "tencentcloud",
        "disk_id": disk["id"],
        "disk_name": disk["name"],
        "region": disk["region"],
        "zone": disk["zone"],
        "disk_size": disk["size"],
        "disk_type": disk["disk_type"],
        "disk_state": disk["state"],
        "disk_usage": disk["usage"],
        "instance_id": "",
        "attached": disk["state"] == "ATTACHED",
        "tags": dict(disk["tags"]),
        "auto_snapshot_policy_ids": [p["id"] for p in policies if disk["id"] in p["disk_ids"]],
    }


def ucloud_host(disk: dict, services: list) -> dict:
    return {
        **LOCAL,
        "cloud": "ucloud",
        "disk_id": disk["id"],
        "disk_name": disk["name"],
        "region": disk["region"],
        "zone": disk["zone"],
        "project_id": "",
        "disk_size": disk["size"],
        "disk_type": disk["disk_type"],
        "disk_status": disk["status"],
        "business_group": disk["tag"],
        "instance_id": "",
        "attached": disk["status"] == "InUse",
        "backup_mode": "SnapshotService" if any(s["disk_id"] == disk["id"] for s in services) else disk["backup_mode"],
    }


def disk_hosts(state: dict, cloud: str, disk_ids=None) -> dict:
    """``{host name: host variables}`` of the emulator's disks of ``cloud`` (``tencent`` or ``ucloud``), sorted."""
    wanted = None if disk_ids is None else set(disk_ids)
    hosts = {}
    for disk in state["disks"]:
        if disk["cloud"] != cloud or (wanted is not None and disk["id"] not in wanted):
            continue
        hosts[disk["id"]] = (
            cbs_host(disk, state["policies"]) if cloud == "tencent" else ucloud_host(disk, state["services"])
        )
    return dict(sorted(hosts.items()))


def sliced(hosts: dict, number: int, count: int) -> dict:
    """Slice ``number`` (1-based) of ``count``: AWX's ``get_sliced_hosts``, ``hosts[number - 1::count]`` of the
    hosts sorted by name."""
    names = sorted(hosts)[number - 1 :: count]
    return {name: hosts[name] for name in names}


def write(path, hosts: dict, cloud: str) -> str:
    """A YAML inventory (JSON is YAML) with the hosts in the group ``cbs_disks`` or ``ucloud_disks``."""
    inventory = {"all": {"children": {GROUPS[cloud]: {"hosts": hosts}}}}
    path.write_text(json.dumps(inventory, indent=1))
    return str(path)
