"""Running the real command as a user file permissions apply to, also when the tests run as
root (a container): the child drops, before exec, the capabilities that let root read and
write anywhere (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER) from its bounding set."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

#: prctl(PR_CAPBSET_DROP, cap) for each of root's permission overrides.
_PR_CAPBSET_DROP, _ROOTS_OVERRIDES = 24, (1, 2, 3)


def as_a_plain_user() -> None:
    """subprocess's preexec_fn: root without the capabilities that ignore permissions."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _ROOTS_OVERRIDES:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def skip_unless_permissions_apply(folder: Path) -> None:
    """Skip the test where a read-only `folder` is written all the same (a root that cannot
    drop its capabilities)."""
    folder.chmod(0o555)
    try:
        blocked = subprocess.run([sys.executable, "-c", f"open({str(folder / 'x')!r}, 'w')"],
                                 capture_output=True, preexec_fn=as_a_plain_user)
    finally:
        folder.chmod(0o755)
    if blocked.returncode == 0:
        pytest.skip("this machine lets the command write in a read-only folder")
