"""Child processes that die with their parent: embedded servers, workers, benchmark
children. A parent killed by SIGKILL or a timeout runs no clean-up, so each child asks
the kernel (Linux `prctl(PR_SET_PDEATHSIG)`) for SIGTERM when its parent goes: servers
then shut down as they would when stopped, with nothing left behind under PID 1.

The kernel sends the signal when the *thread* that started the child ends, so children
are started from long-lived threads (the main thread, or a worker thread that stays).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

PR_SET_PDEATHSIG = 1


def spawn(command: Sequence[str], **popen_arguments: Any) -> subprocess.Popen[bytes]:
    """subprocess.Popen, with the child bound to this process's lifetime."""
    # preexec_fn is unsafe with threads when it takes locks; this one makes two system
    # calls through a function resolved before fork, and takes none.
    return subprocess.Popen(list(command), preexec_fn=_bound_to(os.getpid()),  # noqa: PLW1509
                            **popen_arguments)


def run(command: Sequence[str], *, check: bool, **run_arguments: Any
        ) -> subprocess.CompletedProcess[bytes]:
    """subprocess.run, with the child bound to this process's lifetime."""
    return subprocess.run(list(command), check=check,
                          preexec_fn=_bound_to(os.getpid()),
                          **run_arguments)


def _bound_to(parent_pid: int) -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, not after

    def bind() -> None:  # runs in the child between fork and exec
        if prctl(PR_SET_PDEATHSIG, signal.SIGTERM) != 0:
            os._exit(126)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    return bind
