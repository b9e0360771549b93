# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cbs_restore of N disks in one task against the emulator (20 requests/second per action, DescribeDisks 100/s):
new disks, the converged re-run, in place, then the deletion; wall time against the API bound plus one restore.

    .venv/bin/python tests/benchmarks/restore_bench.py [--disks 100] [--create-delay 5] [--rollback-delay 5]

The API bound of a run is the sum over actions of its calls / that action's rate limit; a restore takes at least
the emulator's delay on top. Exits 1 when a run takes longer than bound + delay + 5 s, or when the re-run
creates anything.
"""

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.emulator import Emulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.unit.module_args import patch_module_args  # noqa: E402  pylint: disable=wrong-import-position

SLACK = 5.0  # seconds allowed beyond the bound plus one restore


def collection_on_path():
    """This checkout importable as ansible_collections.snapshield.cloud (a symlink in a temporary directory)."""
    root = Path(tempfile.mkdtemp(prefix="restore-bench-"))
    (root / "ansible_collections" / "snapshield").mkdir(parents=True)
    (root / "ansible_collections" / "snapshield" / "cloud").symlink_to(ROOT)
    sys.path.insert(0, str(root))


def run_module(emu, args):
    from ansible_collections.snapshield.cloud.plugins.modules import cbs_restore  # pylint: disable=import-outside-toplevel

    creds = emu.credentials
    auth = dict(
        secret_id=creds["tencent_secret_id"],
        secret_key=creds["tencent_secret_key"],
        region="ap-guangzhou",
        endpoint=emu.url,
    )
    out = io.StringIO()
    start = time.monotonic()
    with patch_module_args(dict(auth, **args)), contextlib.redirect_stdout(out):
        try:
            cbs_restore.main()
        except SystemExit:
            pass
    return time.monotonic() - start, json.loads(out.getvalue())


def measure(emu, label, args, delay):
    emu.clear_calls()
    seconds, result = run_module(emu, args)
    actions = emu.calls()["actions"]
    limits = emu.set_faults()
    bound = sum(c["total"] / limits["rate_limits"].get(a, limits["rate_limit"]) for a, c in actions.items())
    calls = {action: counters["total"] for action, counters in sorted(actions.items())}
    rto = [r.get("restore_seconds") for r in result.get("restores", []) if r.get("restore_seconds") is not None]
    ok = not result.get("failed") and seconds <= bound + delay + SLACK
    print(
        "%-28s %6.1f s  bound %5.1f s + %.0f s  changed=%-5s RTO max %s  calls %s%s"
        % (
            label,
            seconds,
            bound,
            delay,
            result.get("changed"),
            "%.1f s" % max(rto) if rto else "-",
            calls,
            "" if ok else "  <-- MISSED" + (" " + result.get("msg", "")[:200] if result.get("failed") else ""),
        )
    )
    return ok, calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disks", type=int, default=100)
    parser.add_argument("--create-delay", type=float, default=5.0)
    parser.add_argument("--rollback-delay", type=float, default=5.0)
    options = parser.parse_args()
    collection_on_path()
    settings = dict(disk_create_delay=options.create_delay, rollback_delay=options.rollback_delay)
    with Emulator(0, rate_limit=20.0, settings=settings) as emu:
        disks = emu.seed(cloud="tencent", count=options.disks, state="UNATTACHED", snapshots=[dict(name="nightly")])
        args = dict(disk_ids=disks["disks"], disk_name="bench-{disk_id}")
        results = [
            measure(emu, "%d new disks" % options.disks, args, options.create_delay),
            measure(emu, "re-run (converged)", args, 0),
            measure(
                emu,
                "%d in place" % options.disks,
                dict(disk_ids=disks["disks"], target="in_place"),
                options.rollback_delay,
            ),
            measure(emu, "delete the new disks", dict(args, state="absent"), 0),
        ]
    rerun_calls = results[1][1]
    ok = all(passed for passed, _calls in results) and "CreateDisks" not in rerun_calls
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
