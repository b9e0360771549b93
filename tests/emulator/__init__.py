"""Loopback emulator of the UCloud (USnap + UDisk) and Tencent Cloud CBS APIs, for tests.

    from tests.emulator import Emulator
    with Emulator(disks=10, snapshot_delay=0) as emu:
        ...  # emu.url, emu.endpoint, emu.credentials, emu.calls(), emu.set_faults(...)

Run it standalone from the repository root: ``python -m tests.emulator --port 0``. See README.md.
"""

from .core import DEFAULT_CREDENTIALS, Core
from .server import Emulator

__all__ = ["DEFAULT_CREDENTIALS", "Core", "Emulator"]
