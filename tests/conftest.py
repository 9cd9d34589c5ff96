"""Settings for the whole test session.

A shell starts a background job (``.ci/run &``, ``nohup make test &``) with SIGINT
ignored, and an ignored signal stays ignored in every process started from it: the
command-line processes the tests interrupt with Ctrl-C (SIGINT) would then never see
it, and the tests of what Ctrl-C does would fail for a reason outside the code. The
session handles SIGINT as a foreground one does, so the processes it starts do too.
"""

from __future__ import annotations

import signal

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
