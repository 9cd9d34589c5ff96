"""A run's processes end with it, its size is checked against memory, its workers capped.

The process tests start the real command line (``python -m skyscreen.cli run ...``) or a
script in a subprocess, with its own temporary directory (TMPDIR) and a tag in its
environment, wait until its two workers are computing, signal the main process, and
check that every process of the run has ended within seconds: the fork server,
multiprocessing's resource tracker and the workers (the fork server's children, not the
main process's), all recorded while the main process lived. No multiprocessing
temporary directory (``pymp-*``) may be left either. Processes are found through /proc:
their parent ids, and the tag, which every process of the run inherits; whatever is
left when a test ends, passed or failed, is killed by pid (checked against its start
time, so that a reused pid is never hit).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import skyscreen
import skyscreen.run
from skyscreen.cli import main
from skyscreen.errors import SkyscreenError
from skyscreen.scenario import example_path, load_scenario
from skyscreen.scenario.compile import compile_scenario

ROOT = Path(__file__).resolve().parents[1]
PROC = Path("/proc")
TAG = "SKYSCREEN_TEST_PROCESSES_TAG"
COASTAL = str(example_path("coastal-airbase"))
QUICKSTART = str(example_path("quickstart"))
BIG_RUN = ["run", COASTAL, "-n", "20000", "--workers", "2", "--quiet", "--out", "out"]
"""A run that keeps two workers busy for minutes."""
GONE_WITHIN_S = 10.0
# SKYSCREEN_DEBUG turns an internal error into a traceback; test what users see.
ENV = {k: v for k, v in os.environ.items() if k != "SKYSCREEN_DEBUG"}


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not PROC.is_dir(), reason="reads /proc"
)
two_workers = pytest.mark.skipif(_cpus() < 2, reason="needs 2 CPUs for 2 workers")


# --- Processes, through /proc -------------------------------------------------------


@dataclass(frozen=True)
class Proc:
    """A process: its pid and start time (clock ticks after boot)."""

    pid: int
    start: int


def _stat(pid: int) -> tuple[str, int, int, float] | None:
    """State, parent pid, start time and CPU seconds of a process; None if none."""
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    f = raw.rsplit(b")", 1)[1].split()  # fields from the 3rd (state) on
    cpu = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    return f[0].decode(), int(f[1]), int(f[19]), cpu


def _alive(p: Proc) -> bool:
    """Running, and still the process recorded (a zombie has ended)."""
    st = _stat(p.pid)
    return st is not None and st[2] == p.start and st[0] not in ("Z", "X")


def _pids() -> list[int]:
    return [int(d.name) for d in PROC.iterdir() if d.name.isdigit()]


def _tagged(tag: str) -> set[Proc]:
    """Live processes whose environment holds the tag: every process of one run."""
    want = f"{TAG}={tag}".encode()
    out = set()
    for pid in _pids():
        with contextlib.suppress(OSError):
            if want in (PROC / str(pid) / "environ").read_bytes().split(b"\0"):
                st = _stat(pid)
                if st is not None and st[0] not in ("Z", "X"):
                    out.add(Proc(pid, st[2]))
    return out


def _descendants(root: int) -> dict[Proc, int]:
    """Live descendants of ``root``, with their parent pids."""
    stats = {pid: st for pid in _pids() if (st := _stat(pid)) is not None}
    children: dict[int, list[int]] = {}
    for pid, st in stats.items():
        children.setdefault(st[1], []).append(pid)
    out: dict[Proc, int] = {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid in children.get(parent, []):
            st = stats[pid]
            if st[0] not in ("Z", "X"):
                out[Proc(pid, st[2])] = parent
                todo.append(pid)
    return out


def _left(procs: set[Proc], within_s: float) -> set[Proc]:
    """Those of ``procs`` still running after up to ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    while (alive := {p for p in procs if _alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


def _describe(procs: set[Proc]) -> str:
    lines = []
    for p in sorted(procs, key=lambda p: p.pid):
        with contextlib.suppress(OSError):
            cmd = (PROC / str(p.pid) / "cmdline").read_bytes().replace(b"\0", b" ")
            lines.append(f"{p.pid}: {cmd.decode(errors='replace')[:150]}")
    return "\n".join(lines)


def _pymp(tmp: Path, within_s: float = GONE_WITHIN_S) -> list[str]:
    """The ``pymp-*`` directories (multiprocessing's) left in ``tmp`` after a wait."""
    deadline = time.monotonic() + within_s
    while (left := sorted(p.name for p in tmp.glob("pymp-*"))) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    return left


@dataclass
class Run:
    """A command started by :func:`_start`; ``seen``: its processes recorded so far."""

    proc: subprocess.Popen[bytes]
    folder: Path
    tmp: Path
    tag: str
    seen: set[Proc] = field(default_factory=set)

    @property
    def stderr(self) -> str:
        return (self.folder / "stderr.txt").read_text(errors="replace")

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)


@contextlib.contextmanager
def _start(
    folder: Path,
    argv: list[str],
    stdin: bytes | None = None,
    address_space: int | None = None,
) -> Iterator[Run]:
    """Start ``argv`` in ``folder``; on leaving, kill by pid whatever of it is left.

    ``address_space``: a limit in KiB, set by ``ulimit -v`` in a shell that then
    executes ``argv`` (same process).
    """
    if address_space is not None:
        argv = ["sh", "-c", f'ulimit -v {address_space} && exec "$@"', "sh", *argv]
    tag = uuid.uuid4().hex
    tmp = folder / "tmp"
    tmp.mkdir(parents=True)
    env = {**ENV, "TMPDIR": str(tmp), TAG: tag}
    with (
        (folder / "stdout.txt").open("wb") as out,
        (folder / "stderr.txt").open("wb") as err,
    ):
        proc = subprocess.Popen(
            argv,
            cwd=folder,
            env=env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    st = _stat(proc.pid)
    run = Run(proc, folder, tmp, tag, {Proc(proc.pid, st[2])} if st else set())
    try:
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        yield run
    finally:
        if proc.poll() is None:
            proc.kill()
        for _ in range(3):  # a fork server may fork while we kill
            for p in run.seen | _tagged(tag):
                if _alive(p):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(p.pid, signal.SIGKILL)
            time.sleep(0.1)
        proc.wait(timeout=30)


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "skyscreen.cli", *args]


def _wait_for_workers(run: Run, n: int = 2, timeout: float = 240.0) -> set[Proc]:
    """Every process of the run once ``n`` workers are computing (recorded in seen).

    The workers are the fork server's children: the main process's grandchildren.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.proc.poll() is not None:
            pytest.fail(f"the run ended early ({run.proc.returncode}): {run.stderr}")
        family = _descendants(run.proc.pid)
        run.seen |= set(family)
        workers = [p for p, parent in family.items() if parent != run.proc.pid]
        cpu = [(_stat(p.pid) or ("", 0, 0, 0.0))[3] for p in workers]
        if len(workers) >= n and min(cpu) >= 0.5:
            return set(run.seen)
        time.sleep(0.2)
    pytest.fail(f"{n} workers were not computing after {timeout} s: {run.stderr}")


# --- Items 3 and 4: killed, terminated, interrupted ----------------------------------


@linux_only
@two_workers
@pytest.mark.slow
def test_killing_the_main_process_ends_all_its_processes(tmp_path: Path) -> None:
    """SIGKILL to the main process: the workers, fork server and tracker follow."""
    with _start(tmp_path, _cli(*BIG_RUN)) as run:
        procs = _wait_for_workers(run)
        main_proc = Proc(run.proc.pid, _stat(run.proc.pid)[2])  # type: ignore[index]
        assert len(procs - {main_proc}) >= 4  # tracker, fork server, two workers
        os.kill(run.proc.pid, signal.SIGKILL)
        assert run.wait(timeout=30) == -signal.SIGKILL
        left = _left(procs, GONE_WITHIN_S)
        assert not left, f"still running:\n{_describe(left)}"
        assert _pymp(run.tmp) == []


@linux_only
@two_workers
@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [
        # SIGTERM: exit 143 with a message.
        pytest.param(signal.SIGTERM, 128 + signal.SIGTERM, "terminated", id="term"),
        # SIGINT: exit 130 (it took 95-118 s before the fix).
        pytest.param(signal.SIGINT, 130, "interrupted", id="int"),
    ],
)
def test_a_signal_stops_the_run_within_seconds(
    tmp_path: Path, signum: int, code: int, said: str
) -> None:
    """SIGTERM or SIGINT: its exit code within seconds, a message, nothing left.

    No traceback, and no process or temporary directory remains.
    """
    with _start(tmp_path, _cli(*BIG_RUN)) as run:
        procs = _wait_for_workers(run)
        t0 = time.monotonic()
        os.kill(run.proc.pid, signum)
        got = run.wait(timeout=GONE_WITHIN_S)
        assert time.monotonic() - t0 < GONE_WITHIN_S
        assert got == code, run.stderr
        assert said in run.stderr
        assert "Traceback" not in run.stderr
        left = _left(procs, GONE_WITHIN_S)
        assert not left, f"still running:\n{_describe(left)}"
        assert _pymp(run.tmp) == []


@linux_only
@two_workers
@pytest.mark.slow
def test_a_worker_killed_by_sigkill_is_reported_as_memory(tmp_path: Path) -> None:
    """The out-of-memory killer's SIGKILL on a worker: exit 2, a message saying so."""
    with _start(tmp_path, _cli(*BIG_RUN)) as run:
        procs = _wait_for_workers(run)
        worker = next(
            p
            for p, parent in _descendants(run.proc.pid).items()
            if parent != run.proc.pid
        )
        os.kill(worker.pid, signal.SIGKILL)
        code = run.wait(timeout=60)
        assert code == 2, run.stderr
        err = run.stderr
        assert "Traceback" not in err
        assert re.search(r"^error: .*SIGKILL.*out-of-memory", err, re.MULTILINE), err
        left = _left(procs, GONE_WITHIN_S)
        assert not left, f"still running:\n{_describe(left)}"


# --- Item 16: the README's Python snippet as a script -----------------------------


def _readme_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"From Python:\n\n```python\n(.*?)```", text, re.DOTALL)
    assert m, "README.md has no Python snippet after 'From Python:'"
    return m.group(1)


@linux_only
@pytest.mark.slow
@pytest.mark.parametrize("how", ["script", "stdin"])
def test_the_readme_snippet_runs_as_it_is(tmp_path: Path, how: str) -> None:
    """No ``if __name__ == "__main__":`` guard needed, in a script or piped to Python."""
    code = _readme_snippet()
    assert "__main__" not in code
    assert "replications=1000" in code
    code = code.replace("replications=1000", "replications=20")
    (tmp_path / "examples").mkdir()
    shutil.copy(COASTAL, tmp_path / "examples" / "coastal-airbase.yaml")
    (tmp_path / "snippet.py").write_text(code, encoding="utf-8")
    argv = [sys.executable, "snippet.py"] if how == "script" else [sys.executable, "-"]
    stdin = code.encode() if how == "stdin" else None
    with _start(tmp_path, argv, stdin=stdin) as run:
        code_ = run.wait(timeout=300)
        assert code_ == 0, run.stderr
        assert "Traceback" not in run.stderr
        assert (tmp_path / "runs" / "demo" / "run.json").is_file()
        assert skyscreen.load_run(tmp_path / "runs" / "demo").n_replications == 20
        left = _left(_tagged(run.tag), GONE_WITHIN_S)
        assert not left, f"still running:\n{_describe(left)}"
        assert _pymp(run.tmp) == []


# --- Item 6: workers capped at the CPUs ------------------------------------------


def test_the_chunk_plan_caps_workers_at_the_cpus() -> None:
    """Chunks are sized for the processes that run, not for the number asked for."""
    plan = skyscreen.run._plan_chunks
    assert plan(400, 1000, None, cpus=2) == (2, 200)
    assert plan(400, None, None, cpus=4) == (4, 100)
    assert plan(400, 3, None, cpus=8) == (3, 134)
    assert plan(5, 1000, None, cpus=8) == (5, 1)  # one replication per process
    assert plan(400, 1000, 1000, cpus=2) == (1, 1000)  # one chunk: one process
    assert plan(400, 2, 50, cpus=2) == (2, 50)
    # A resumable run: two to four chunks per worker, none under 200 replications.
    assert plan(1000, 2, None, cpus=2, resumable=True) == (2, 250)
    assert plan(4000, 2, None, cpus=2, resumable=True) == (2, 500)
    assert plan(300, 2, None, cpus=2, resumable=True) == (2, 150)
    # The engine state of a chunk stays within the budget whatever the raid size:
    # 2000 drones, about 2 MB a replication, chunks of about 110.
    n, c = plan(1000, 2, None, cpus=2, n_drones=2000)
    assert n == 2
    assert c * 2000 * skyscreen.run._STATE_BYTES_PER_DRONE <= (
        skyscreen.run._CHUNK_STATE_BUDGET
    )
    assert 100 <= c <= 120
    assert plan(1000, 2, None, cpus=2, n_drones=24) == (2, 500)  # no effect
    with pytest.raises(SkyscreenError, match="workers must be >= 1"):
        plan(400, 0, None, cpus=2)


def test_simulate_records_the_workers_it_used() -> None:
    """``workers=1000``: run.json's workers is the CPUs used, its chunks sized for them."""
    res = skyscreen.simulate(
        QUICKSTART, replications=40, seed=1, workers=1000, progress=False
    )
    used = min(_cpus(), 40)
    assert res.meta["workers"] == used
    assert res.meta["chunk_size"] == math.ceil(40 / used)
    alone = skyscreen.simulate(
        QUICKSTART, replications=40, seed=1, workers=1, progress=False
    )
    assert res.summary.equals(alone.summary)


# --- Item 9: memory -----------------------------------------------------------------


def _bytes(df: object) -> int:
    return int(df.memory_usage(deep=True, index=False).sum())  # type: ignore[attr-defined]


def test_the_memory_estimate_bounds_the_tables() -> None:
    """On a real run, each part of the estimate is at least its tables' size."""
    spec = load_scenario(QUICKSTART)
    params = compile_scenario(spec)
    n, record = 200, 3
    res = skyscreen.simulate(
        spec,
        replications=n,
        seed=1,
        workers=1,
        events=True,
        record=record,
        progress=False,
    )
    assert res.events is not None
    assert res.trajectories is not None
    est = skyscreen.run.estimate_memory(
        params, n, events_per_replication=len(res.events) / n, recorded=record
    )
    tables = sum(_bytes(getattr(res, t)) for t in ("summary", "drones", "effectors"))
    tables += _bytes(res.assets)
    assert tables <= est.tables <= 10 * tables
    assert _bytes(res.events) <= est.events <= 10 * _bytes(res.events)
    assert _bytes(res.trajectories) <= est.trajectories
    assert est.workers == 0  # in this process
    assert est.total == est.tables + est.events + est.trajectories
    # Linear in the replications; the workers' chunks count when there are workers.
    twice = skyscreen.run.estimate_memory(params, 2 * n)
    assert abs(twice.tables - 2 * est.tables) <= 2
    pooled = skyscreen.run.estimate_memory(params, n, workers=2, chunk_size=n // 2)
    assert pooled.workers > 0


def test_the_memory_estimate_of_a_known_case() -> None:
    """coastal-airbase, a million replications: 16.4 GiB; with ~758 events, 264."""
    params = compile_scenario(load_scenario(COASTAL))
    plain = skyscreen.run.estimate_memory(params, 1_000_000)
    # Per replication: 216 B of summary; 24 drones x 118 B; 8 effectors x 60 B;
    # 7 assets x 55 B; times 4.5 for the main process's peak.
    assert plain.tables == int(4.5 * 1_000_000 * (216 + 24 * 118 + 8 * 60 + 7 * 55))
    assert round(plain.total / 2**30, 1) == 16.4
    full = skyscreen.run.estimate_memory(params, 1_000_000, events_per_replication=758)
    assert round(full.total / 2**30) == 264


def test_a_run_too_big_for_memory_is_refused_up_front(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Refused before running, in well under a second, saying what to change."""
    monkeypatch.setattr(skyscreen.run, "available_memory", lambda: 200 << 20)
    t0 = time.perf_counter()
    with pytest.raises(SkyscreenError) as info:
        skyscreen.simulate(COASTAL, replications=1_000_000, seed=1, progress=False)
    assert time.perf_counter() - t0 < 1.0
    err = info.value
    assert isinstance(err, MemoryError)
    msg = str(err)
    assert "needs about 16.4 GiB" in msg
    assert "200 MiB available" in msg
    assert "fewer replications (about" in msg
    assert err.cli_message is not None
    assert "(-n; about" in err.cli_message


@linux_only
@pytest.mark.slow
def test_the_command_line_refuses_a_run_with_events_too_big(tmp_path: Path) -> None:
    """``-n 1000000 --events`` (296 s, then "workers died"): refused at once, exit 2.

    Under an 8 GiB address-space limit (``ulimit -v``), whatever the machine's memory.
    """
    args = ["run", COASTAL, "-n", "1000000", "--events", "--workers", "2", "--quiet"]
    t0 = time.monotonic()
    with _start(tmp_path, _cli(*args, "--out", "out"), address_space=8 << 20) as run:
        code = run.wait(timeout=60)
        assert time.monotonic() - t0 < 60
        err = run.stderr
    assert code == 2, err
    assert err.startswith("error: this run needs about "), err
    assert "GiB of memory" in err
    assert "-n; about" in err
    assert "no --events (the event log is" in err
    assert not (tmp_path / "out").exists()


def test_running_out_of_memory_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """A MemoryError during the run: exit 2 with a message about memory."""

    def run_tasks(*args: object, **kwargs: object) -> None:
        raise MemoryError("Unable to allocate 3.2 GiB for an array")

    monkeypatch.setattr(skyscreen.run, "run_tasks", run_tasks)
    with pytest.raises(SkyscreenError, match="out of memory"):
        skyscreen.simulate(QUICKSTART, replications=5, seed=1, progress=False)
    out = tmp_path / "out"
    assert main(["run", QUICKSTART, "-n", "5", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory (MemoryError: Unable to allocate")
    assert "fewer replications (-n" in err


def test_arrow_running_out_of_memory_while_saving_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    """An ArrowMemoryError while writing: exit 2 with a message about memory."""
    import pyarrow as pa

    def write_run_files(*args: object, **kwargs: object) -> None:
        raise pa.ArrowMemoryError("malloc of size 4294967296 failed")

    monkeypatch.setattr(skyscreen.run, "write_run_files", write_run_files)
    out = tmp_path / "out"
    argv = ["run", QUICKSTART, "-n", "5", "--workers", "1", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {out}: out of memory while writing the results")
    assert "ArrowMemoryError: malloc of size" in err
    assert "--events" in err


@linux_only
@pytest.mark.slow
def test_loading_the_run_layer_without_memory_is_a_clear_error(tmp_path: Path) -> None:
    """Under a tight ``ulimit -v``, importing the run layer raises the memory error."""
    script = (
        "import re, resource, sys\n"
        "import numba, scipy.special, scipy.stats  # what the engine loads first\n"
        "import skyscreen.scenario.compile  # not pandas nor pyarrow\n"
        "assert 'pandas' not in sys.modules\n"
        "size = int(re.search(r'VmSize:\\s+(\\d+)',"
        " open('/proc/self/status').read()).group(1)) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (size + (16 << 20), -1))\n"
        "try:\n"
        "    import skyscreen.run\n"
        "except skyscreen.SkyscreenError as exc:\n"
        "    ok = isinstance(exc, MemoryError) and 'not enough memory' in str(exc)\n"
        "    sys.exit(0 if ok else 3)\n"
        "sys.exit(4)  # it fitted after all\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode == 4:
        pytest.skip("the run layer loaded within 16 MiB more")
    assert proc.returncode == 0, proc.stderr


def test_the_tracked_fidelity_counts_its_track_buffers() -> None:
    """The tracker's buffers: capacity x (state, covariance, bookkeeping) per chunk."""
    from skyscreen.engine.track import tracker_config

    params = compile_scenario(load_scenario(COASTAL))
    truth = skyscreen.run.estimate_memory(params, 10_000, workers=2, chunk_size=500)
    tracked = skyscreen.run.estimate_memory(
        params, 10_000, workers=2, chunk_size=500, fidelity="tracked"
    )
    cfg = tracker_config(params)
    per_track = 8 * (6 + 36 + 1 + 10)  # one model: the combined state is a view
    assert tracked.tracker == cfg.capacity * per_track * 500 * 2
    assert truth.tracker == 0
    assert tracked.total - truth.total == tracked.tracker
