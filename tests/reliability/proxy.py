"""A TCP proxy on 127.0.0.1 in front of the shared PostgreSQL server, which a test can take away.

The server itself is never touched (other tests use it): to the ledger, a killed proxy is a
database that went away, a frozen one a network that silently stops answering.

    with Proxy() as proxy:
        url = f"postgresql://postgres:SECRET@127.0.0.1:{proxy.port}/test?schema=..."
        proxy.cut_at(12)   # kill everything when the client sends its 12th message
        proxy.kill()       # or now: close every connection and stop listening
        proxy.restore()    # listen again, on the same port
        proxy.freeze()     # keep connections open but forward nothing, either way
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType

TARGET = ("127.0.0.1", 5432)
BUFFER = 65536


class Proxy:
    def __init__(self, target: tuple[str, int] = TARGET) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self._frozen = threading.Event()
        self._cut_at: int | None = None
        self._cut_how = "drop"
        self._cut_per_connection = False
        self._cut_on: bytes | None = None
        self._cut_after: bytes | None = None
        self.messages = 0  # client-to-server reads forwarded since the last count reset
        self.port = 0
        self.restore()

    def __enter__(self) -> Proxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.kill()

    # --- what a test does ----------------------------------------------------------------------

    def restore(self) -> None:
        """Listen (again, on the same port) and forward faithfully."""
        self.kill()
        self._frozen.clear()
        with self._lock:
            self._cut_at = None
            self._cut_on = None
            self.messages = 0
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def kill(self) -> None:
        """Stop listening and drop every connection: the database is gone."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            _close(listener)
        for connection in connections:
            _close(connection)

    def freeze(self) -> None:
        """Keep every connection open and accept new ones, but forward nothing."""
        self._frozen.set()

    def cut_at(self, message: int, how: str = "drop", *, per_connection: bool = False) -> None:
        """When the client sends its ``message``-th message (counted from now, over every
        connection, or on any one connection): ``drop`` it and kill the proxy, ``deliver`` it
        and kill the proxy before any answer comes back (a COMMIT then succeeds unbeknown to
        the client), or ``freeze``."""
        assert how in ("drop", "deliver", "freeze")
        with self._lock:
            self.messages = 0
            self._cut_at = message
            self._cut_how = how
            self._cut_per_connection = per_connection

    def cut_on(self, needle: bytes, after: bytes = b"") -> None:
        """When a client message holds ``needle`` (e.g. ``b"COMMIT"``), once one has held
        ``after`` (e.g. ``b"INSERT"``), deliver it and kill the proxy before any answer comes
        back."""
        with self._lock:
            self._cut_on, self._cut_after = needle, after

    # --- forwarding ------------------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # killed
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(server)
                    return
                self._connections += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        sent = 0  # messages from this client
        while True:
            try:
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                if self._frozen.is_set():
                    continue  # nothing passes, until the proxy is killed or restored
                for source in readable:
                    data = source.recv(BUFFER)
                    if not data:
                        raise OSError("closed")
                    if source is client:
                        sent += 1
                    how = self._count(sent) if source is client else None
                    if source is client and self._cut_on is not None:
                        how = self._match(data) or how
                    if how == "freeze":
                        self.freeze()
                        break  # this very message never arrives
                    if how != "drop":
                        peers[source].sendall(data)
                    if how is not None:
                        self.kill()
                        raise OSError("cut")
            except (OSError, ValueError):
                _close(client)
                _close(server)
                return

    def _match(self, data: bytes) -> str | None:
        """``deliver`` when ``data`` is the message :meth:`cut_on` waits for."""
        with self._lock:
            if self._cut_after and self._cut_after in data:
                self._cut_after = b""
            if self._cut_on is None or self._cut_after or self._cut_on not in data:
                return None
            self._cut_on = None
            return "deliver"

    def _count(self, on_connection: int) -> str | None:
        """Count a client message; how to cut the connection at it, if this is the one."""
        with self._lock:
            self.messages += 1
            count = on_connection if self._cut_per_connection else self.messages
            if self._cut_at is None or count < self._cut_at:
                return None
            self._cut_at = None
            return self._cut_how


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
