"""Bounded requests: a per-request deadline, and a fast 503 when the database stops answering.

One watchdog thread per process looks at the requests in flight ten times a second:

- long loops end themselves at the deadline (`check_deadline()`); a request still running half a second
  past its deadline (`PEDIGREE_REQUEST_TIMEOUT`) gets `RequestTimeout` raised in its thread
  (CPython's asynchronous exception: it lands at the next Python instruction, so it ends runaway Python
  work) and its database sockets are shut, so a call blocked inside the driver returns too;
- a request that has held a database connection for longer than `STALL_AFTER` makes the watchdog ask the
  database server whether it still answers (a raw TCP probe with a short timeout, on a fresh socket). A
  server that does not answer (frozen, partitioned) is marked down for a moment: the sockets of every
  request in flight are shut (their calls fail at once and answer 503), and new connections fail at once
  instead of waiting for a TCP or libpq timeout.
"""

from __future__ import annotations

import ctypes
import logging
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

TICK = 0.1
STALL_AFTER = 1.0  # a database call this old makes the watchdog probe the server
PROBE_TIMEOUT = 1.0
DOWN_FOR = 1.0
REFIRE_AFTER = 0.5  # an asynchronous exception swallowed in a finaliser is raised again after this long
GRACE = 0.5  # loops that call check_deadline() end themselves; the asynchronous exception waits this long
_SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # PostgreSQL's SSLRequest: any live server answers one byte


class RequestTimeout(Exception):
    """The request ran past its deadline (raised in the request's thread by the watchdog)."""


class DatabaseNotAnswering(Exception):
    """The database server did not answer a probe: new connections are refused until it does."""


@dataclass
class _Request:
    thread_id: int
    deadline: float
    started: float = field(default_factory=time.monotonic)
    sockets: dict[int, tuple[str, int]] = field(default_factory=dict)  # fd → the server it talks to
    fired: bool = False
    fired_at: float = 0.0
    answering: bool = False  # the 503 is being written: fire no more


def _shut(fd: int) -> None:
    """Shut a socket down under the thread blocked on it (its next read returns at once)."""
    try:
        dup = socket.socket(fileno=socket.dup(fd))
    except OSError:
        return
    try:
        dup.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        dup.close()


def probe_postgres(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> bool:
    """True when a PostgreSQL server at host:port answers an SSLRequest within the timeout."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_SSL_REQUEST)
            return len(sock.recv(1)) == 1
    except OSError:
        return False


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[int, _Request] = {}  # by thread id
        self._thread: threading.Thread | None = None
        self._down_until: dict[tuple[str, int], float] = {}  # by server (host, port)
        self._last_probe: dict[tuple[str, int], float] = {}

    # --- requests -------------------------------------------------------------------------------
    def begin(self, timeout: float) -> None:
        self._ensure_running()
        now = time.monotonic()
        with self._lock:
            self._requests[threading.get_ident()] = _Request(threading.get_ident(), now + timeout, now)

    def end(self) -> bool:
        """Stop watching this thread's request; True when its deadline had fired."""
        ident = threading.get_ident()
        with self._lock:
            request = self._requests.pop(ident, None)
            if request is None:
                return False
            if request.fired:  # clear an exception still pending for this thread
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)
            return request.fired

    def deadline(self) -> float | None:
        """When the current request's deadline falls (a time.monotonic() value), or None outside a request."""
        with self._lock:
            request = self._requests.get(threading.get_ident())
            return request.deadline if request else None

    def answering(self) -> None:
        """The request is answering its timeout: the watchdog fires no more into it."""
        with self._lock:
            request = self._requests.get(threading.get_ident())
            if request is not None:
                request.answering = True

    def check_deadline(self) -> None:
        """Raise RequestTimeout here when the request is at its deadline: long loops call this, so the
        request ends where it can (the asynchronous exception is the fallback for code that does not)."""
        with self._lock:
            request = self._requests.get(threading.get_ident())
            if request is None or request.answering or request.fired:
                return
            if time.monotonic() < request.deadline - TICK:
                return
            request.answering = True  # the watchdog fires no asynchronous exception into it now
        raise RequestTimeout()

    def fired(self) -> bool:
        with self._lock:
            request = self._requests.get(threading.get_ident())
            return bool(request and request.fired)

    # --- database connections -------------------------------------------------------------------
    def connection_in_use(self, fd: int, server: tuple[str, int]) -> None:
        with self._lock:
            request = self._requests.get(threading.get_ident())
            if request is not None:
                request.sockets[fd] = server

    def connection_released(self, fd: int) -> None:
        with self._lock:
            request = self._requests.get(threading.get_ident())
            if request is not None:
                request.sockets.pop(fd, None)

    def database_down(self, server: tuple[str, int]) -> bool:
        return time.monotonic() < self._down_until.get(server, 0.0)

    def check_database(self, server: tuple[str, int]) -> bool:
        """Probe the server now; False (and marked down for a moment) when it does not answer."""
        self._last_probe[server] = time.monotonic()
        answering = probe_postgres(*server)
        self._down_until[server] = 0.0 if answering else time.monotonic() + DOWN_FOR
        return answering

    # --- the loop -------------------------------------------------------------------------------
    def _ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # also after a fork
                self._thread = threading.Thread(target=self._run, name="pedigree-watchdog", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(TICK)
            try:
                self._tick()
            except Exception:  # pragma: no cover - the watchdog must outlive any one failure
                log.exception("watchdog tick failed")

    def _tick(self) -> None:
        now = time.monotonic()
        with self._lock:
            # Fire again if a request keeps running: an asynchronous exception that lands in a finaliser
            # (__del__, a weakref callback) is swallowed there.
            # The first one waits a moment past the deadline, for code that ends itself at check_deadline().
            late = [r for r in self._requests.values() if now > r.deadline + GRACE and not r.answering
                    and (not r.fired or now - r.fired_at > REFIRE_AFTER)]
            for request in late:
                request.fired, request.fired_at = True, now
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(request.thread_id),
                                                           ctypes.py_object(RequestTimeout))
                for fd in request.sockets:
                    _shut(fd)
            suspects = {server for r in self._requests.values() if not r.fired and now - r.started > STALL_AFTER
                        for server in r.sockets.values()}
        for server in sorted(suspects):
            if now - self._last_probe.get(server, 0.0) < DOWN_FOR or self.check_database(server):
                continue
            log.warning("database %s:%s not answering: failing the requests using it", *server)
            with self._lock:
                for request in self._requests.values():
                    for fd, used in request.sockets.items():
                        if used == server:
                            _shut(fd)


watchdog = Watchdog()
