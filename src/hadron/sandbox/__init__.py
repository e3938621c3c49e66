"""An OS-level boundary for running model-written Python (the NanoFlux judge's tool, users, tests).

``run_python(code, limits)`` runs the code in a fresh interpreter behind bubblewrap (user, pid,
network, ipc, uts and mount namespaces; a read-only root with a fresh tmpfs at /tmp), a seccomp filter
(no sockets, no new processes, no namespace/mount/ptrace calls) and kernel resource limits.
``check()`` starts one sandbox and reports which of those layers hold on this host. Where none can
be had, runs are refused (``SandboxUnavailable``) unless the caller passes ``unsafe=True``.
See docs/security.md.
"""

from hadron.sandbox.layers import BoundaryReport, Layer
from hadron.sandbox.layers import boundary as check
from hadron.sandbox.runner import arun_python, run_python
from hadron.sandbox.types import SandboxLimits, SandboxResult, SandboxUnavailable, Status

__all__ = ["BoundaryReport", "Layer", "SandboxLimits", "SandboxResult", "SandboxUnavailable", "Status",
           "arun_python", "check", "run_python"]
