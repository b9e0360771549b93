# Copyright (c) snapshield.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make demo``: start the emulator on loopback, run examples/demo.yml against it, stop the emulator.

The playbook gets its credentials the way operators and AWX give them: environment variables.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator import DEFAULT_CREDENTIALS  # noqa: E402  pylint: disable=wrong-import-position


def wait_for_url(port_file, emulator, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if emulator.poll() is not None:
            sys.exit("the emulator exited with %s before listening" % emulator.returncode)
        if port_file.exists() and port_file.read_text().strip():
            return port_file.read_text().strip()
        time.sleep(0.1)
    sys.exit("the emulator did not start listening within %s s" % timeout)


def main():
    with tempfile.TemporaryDirectory(prefix="snapshield-demo-") as tmp_name:
        tmp = Path(tmp_name)
        port_file = tmp / "emulator.url"
        emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.emulator",
                "--disks",
                "5",
                "--snapshot-delay",
                "2",
                "--port-file",
                str(port_file),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        try:
            url = wait_for_url(port_file, emulator)
            print("Emulator of the UCloud and Tencent Cloud APIs listening on %s" % url, flush=True)
            collection = tmp / "ansible_collections" / "snapshield" / "cloud"
            collection.parent.mkdir(parents=True)
            collection.symlink_to(ROOT)
            creds = DEFAULT_CREDENTIALS
            env = dict(
                os.environ,
                ANSIBLE_COLLECTIONS_PATH=str(tmp),
                ANSIBLE_PYTHON_INTERPRETER=sys.executable,
                ANSIBLE_LOCALHOST_WARNING="false",
                ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                UCLOUD_PUBLIC_KEY=creds["ucloud_public_key"],
                UCLOUD_PRIVATE_KEY=creds["ucloud_private_key"],
                UCLOUD_REGION="cn-bj2",
                UCLOUD_BASE_URL=url,
                TENCENTCLOUD_SECRET_ID=creds["tencent_secret_id"],
                TENCENTCLOUD_SECRET_KEY=creds["tencent_secret_key"],
                TENCENTCLOUD_REGION="ap-guangzhou",
                TENCENTCLOUD_ENDPOINT=url,
            )
            return subprocess.call(["ansible-playbook", str(ROOT / "examples" / "demo.yml")], env=env, cwd=ROOT)
        finally:
            emulator.terminate()
            emulator.wait(timeout=10)
            print("Emulator stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
