"""Live sync across hosts: a change made on host A reaches the event streams held by host B
(PostgreSQL NOTIFY, heard by each host's listener), directly and through nginx (which
passes each event on at once: the stream says X-Accel-Buffering: no). A kiosk link revoked
on A closes its screen's stream on B."""
from __future__ import annotations

import queue
import re
import socket
import threading
import time

from tests.hosts import cluster

PASSWORD = "demo12345"  # the demo accounts'


class Stream:
    """An event stream read in a thread: (event, data) pairs in a queue."""

    def __init__(self, port: int, path: str, cookies: dict | None = None):
        self.events: queue.Queue = queue.Queue()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        cookie = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: portal.tinh.test\r\n"
                           f"Accept: text/event-stream\r\n"
                           + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode())
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event, data = None, []
        try:
            for raw in self.sock.makefile("rb"):
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and event:
                    self.events.put((event, "\n".join(data)))
                    event, data = None, []
        except OSError:
            pass

    def until(self, name: str, timeout: float = 10.0, where=lambda data: True) -> str:
        ends = time.monotonic() + timeout
        while True:
            left = ends - time.monotonic()
            assert left > 0, f"no «{name}» event within {timeout}s"
            event, data = self.events.get(timeout=left)
            if event == name and where(data):
                return data

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
        except OSError:
            pass


def test_a_change_on_host_a_reaches_the_streams_held_by_host_b(hosts):
    a, b, proxy = hosts["a"].port, hosts["b"].port, hosts["proxy"]
    meeting = hosts["ids"]["meeting"]
    office = cluster.Browser()
    assert office.login(a, "vanphong", PASSWORD).status == 303
    page = office.get(a, f"/runner/{meeting}/kiosk")
    assert page.status == 200, page.text[:300]
    made = office.post(a, f"/runner/{meeting}/kiosk",
                       {"csrf_token": cluster.csrf(page.text), "label": "Hội trường B"},
                       headers={"HX-Request": "true"})
    assert made.status == 200, made.text[:300]
    token = re.findall(rf"/runner/{meeting}/hall/([A-Za-z0-9_-]{{32,64}})", made.text)[-1]
    link_id = re.findall(rf"/runner/{meeting}/kiosk/(\d+)/revoke", made.text)[-1]

    watcher = cluster.Browser()
    assert watcher.login(b, "vanphong", PASSWORD).status == 303
    console_b = Stream(b, f"/runner/{meeting}/events", watcher.cookies)
    console_proxy = Stream(proxy, f"/runner/{meeting}/events", watcher.cookies)
    hall_b = Stream(b, f"/runner/{meeting}/hall/{token}/events")
    try:
        first = int(console_b.until("changed"))
        assert int(console_proxy.until("changed")) == first
        hall_b.until("changed")
        started = time.monotonic()
        revoked = office.post(a, f"/runner/{meeting}/kiosk/{link_id}/revoke",
                              {"csrf_token": cluster.csrf(page.text)},
                              headers={"HX-Request": "true"})
        assert revoked.status == 200, revoked.text[:300]
        # the bump of the revoke, made on A, is heard on B and through the proxy
        later = lambda data: int(data) > first  # noqa: E731
        assert int(console_b.until("changed", where=later)) > first
        assert int(console_proxy.until("changed", where=later)) > first
        hall_b.until("closed")  # the revoked link's screen on B is told at once
        assert time.monotonic() - started < 5
    finally:
        for stream in (console_b, console_proxy, hall_b):
            stream.close()
