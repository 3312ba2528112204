"""Read policy files with a deadline per file (issue 10, point 4: seconds per file). Plain text
(.txt, .md) is read in the ingest's own process: its cost is bounded by the byte limit.

A hostile or pathological file (a PDF whose content streams loop, a .docx of millions of tiny
runs) can keep a parser busy for minutes, and Python cannot interrupt a parser from another
thread. So files are read by a worker process (``python -m assistant.timebox``, started once per
ingest, fed one path at a time over a pipe); a worker still reading when the deadline passes is
killed, the file refused in one line naming the limit and its setting, and a fresh worker reads the
next file. A fresh interpreter (not a fork of the server, which has model and web threads) cannot
inherit a lock another thread held, and does not re-run the caller's main module.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, BinaryIO, Callable

from .errors import IngestError
from .types import DocMeta, Document

__all__ = ["FileReader"]

_HEADER = struct.Struct("!Q")
_STARTUP_SECONDS = 120.0


def _send(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks, got = [], 0
    while got < n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        part = os.read(fd, min(n - got, 1 << 20))
        if not part:
            raise EOFError
        chunks.append(part)
        got += len(part)
    return b"".join(chunks)


def _recv(fd: int, deadline: float | None) -> Any:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


class FileReader:
    """``read(path, meta)`` = ``load_document(path, meta)``, refused after ``seconds`` (0: read in
    this process with ``inline``, no deadline). Use as a context manager (stops the worker)."""

    def __init__(self, seconds: float, inline: Callable[[Path, DocMeta | None], Document]):
        self.seconds = seconds
        self.inline = inline
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "FileReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait(5)
            for stream in (self._proc.stdin, self._proc.stdout):
                if stream is not None:
                    stream.close()
            self._proc = None

    def _worker(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            target = f"{self.inline.__module__}:{self.inline.__qualname__}"  # what the worker calls
            self._proc = subprocess.Popen([sys.executable, "-m", "assistant.timebox", target], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, cwd=os.getcwd(), env=_child_env())
            assert self._proc.stdout is not None
            # its start-up (imports) is not a file's fault: wait for it before any deadline counts
            _recv(self._proc.stdout.fileno(), time.monotonic() + _STARTUP_SECONDS)
        return self._proc

    def read(self, path: Path, meta: DocMeta | None) -> Document:
        if self.seconds <= 0:
            return self.inline(path, meta)
        try:
            proc = self._worker()
        except (TimeoutError, EOFError, OSError) as exc:
            self.close()
            raise IngestError(f"The file reader process could not start ({type(exc).__name__}); set "
                              "POLICY_INGEST_MAX_FILE_SECONDS=0 to read files in this process.") from None
        assert proc.stdin is not None and proc.stdout is not None
        try:
            _send(proc.stdin, (str(path), meta))
            # the deadline counts from the request (a fresh worker's start-up is not the file's fault)
            status, value = _recv(proc.stdout.fileno(), time.monotonic() + self.seconds)
        except TimeoutError:
            self.close()  # the worker is killed mid-read; the next file gets a fresh one
            raise _refused(path, f"took longer than {self.seconds:g} s to read (setting "
                                 "POLICY_INGEST_MAX_FILE_SECONDS): not read") from None
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):  # out of memory, a crash in a C extension
            self.close()
            raise _refused(path, "could not be read (the reader stopped unexpectedly)") from None
        if status != "ok":
            raise _refused(path, value)
        return value


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _refused(path: Path, reason: str) -> IngestError:
    err = IngestError(f"{path}: {reason}")
    err.path, err.reason = str(path), reason  # type: ignore[attr-defined]
    return err


def _serve(target: str) -> None:  # the worker: one request at a time, until stdin closes
    import importlib

    module, _, name = target.partition(":")
    load_document = getattr(importlib.import_module(module), name)  # the reader the caller named

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a loader's stray print must not corrupt the channel
    _send(stdout, ("ready", None))
    while True:
        try:
            path, meta = _recv(stdin.fileno(), None)
        except EOFError:
            return
        try:
            reply: tuple[str, Any] = ("ok", load_document(path, meta))
        except IngestError as exc:
            reply = ("refused", getattr(exc, "reason", exc.message))
        except Exception as exc:  # a loader bug: reported for this file, the rest of the corpus goes on
            reply = ("refused", f"could not be read ({type(exc).__name__}: {exc})")
        _send(stdout, reply)


if __name__ == "__main__":
    _serve(sys.argv[1] if len(sys.argv) > 1 else "assistant.ingest:load_document")
