# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Both fleet roles under every fault at once: nothing lost, nothing doubled (make soak runs 1000 disks).

Throttling above 20 requests/second, 10% 5xx answers, latency spikes and 2% answers lost after the
provider applied the action, on every action. A run may fail naming the disks it could not finish;
the next run completes them, and no disk ever gets a second service or snapshot.
"""

from collections import Counter
from pathlib import Path

import pytest

from tests.emulator import Emulator

BENCH_PLAYBOOKS = Path(__file__).resolve().parents[1] / "benchmarks" / "playbooks"
DISKS = 40
MAX_RUNS = 4


@pytest.fixture
def emulator():
    with Emulator(0, snapshot_delay=0.2, seed=7) as emu:
        yield emu


def env_auth(emu):
    creds = emu.credentials
    return dict(
        UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
        UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
        UCLOUD_REGION="cn-bj2",
        UCLOUD_BASE_URL=emu.url,
        TENCENTCLOUD_SECRET_ID=creds["tencent_secret_id"],
        TENCENTCLOUD_SECRET_KEY=creds["tencent_secret_key"],
        TENCENTCLOUD_REGION="ap-guangzhou",
        TENCENTCLOUD_ENDPOINT=emu.url,
    )


def converge(run_playbook, emulator, playbook):
    """Run until a run succeeds; every failed run must name the disks it left."""
    for attempt in range(1, MAX_RUNS + 1):
        run = run_playbook(str(BENCH_PLAYBOOKS / playbook), envvars=env_auth(emulator))
        if run.rc == 0:
            return attempt
        assert "disks failed" in run.stdout, run.stdout[-3000:]
    pytest.fail("%s did not converge in %d runs" % (playbook, MAX_RUNS))


@pytest.mark.parametrize(
    "role, seed, count_per_disk",
    [
        (
            "usnap_fleet",
            dict(cloud="ucloud", zone="cn-bj2-02", tag="bench"),
            lambda state: Counter(service["disk_id"] for service in state["services"]),
        ),
        (
            "cbs_fleet",
            dict(
                cloud="tencent", zone="ap-guangzhou-3", tags={"fleet": "bench"}, snapshot_ability=True, encrypted=False
            ),
            lambda state: Counter(snap["disk_id"] for snap in state["snapshots"] if snap["name"] == "bench-snapshot"),
        ),
    ],
)
def test_fleet_under_faults_ends_protected_exactly_once(emulator, run_playbook, role, seed, count_per_disk):
    disks = emulator.seed(count=DISKS, **seed)["disks"]
    emulator.set_faults(error_rate=0.10, lost_rate=0.02, jitter=0.05)
    runs = converge(run_playbook, emulator, role + ".yml")
    calls = emulator.calls()["actions"]
    assert sum(counters["faulted"] + counters["lost"] for counters in calls.values()) > 0, "no fault was injected"
    per_disk = count_per_disk(emulator.dump_state())
    assert {disk: per_disk[disk] for disk in disks} == dict.fromkeys(disks, 1), "after %d runs" % runs
