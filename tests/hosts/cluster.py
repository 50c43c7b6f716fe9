"""Two app hosts on one PostgreSQL behind nginx, as a province deploys them, for the tests
of tests/hosts and the two-host mode of `make bench` (tests/bench/two_hosts.py).

Each host is a gunicorn with its own port and instance folder (nothing shared on disk);
nginx from Debian's package runs as a child in the foreground (`daemon off`) with a
generated configuration in a temporary folder, round-robin over the two, and says in a
header (X-Upstream) which host answered. Only loopback addresses are used.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRET = "deux-hotes-" + "0" * 20  # the same on every host, as the README says


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ports(count: int) -> list[int]:
    """HOSTS_PORTS=5141,5142,5148,… when the ports are assigned, else free ones."""
    given = [int(p) for p in os.environ.get("HOSTS_PORTS", "").split(",") if p]
    return (given + [free_port() for _ in range(count)])[:count]


def host_env(database_url: str, instance: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_DEBUG", "TESTING")}
    env.update(DATABASE_URL=database_url, PORTAL_INSTANCE_PATH=str(instance),
               SECRET_KEY=SECRET, FLASK_APP="wsgi", TRUSTED_PROXIES="1",
               ARGON2_TIME_COST="1", ARGON2_MEMORY_COST="1024", RUN_JOBS_EVERY="0")
    env.update({k: str(v) for k, v in extra.items()})
    return env


@dataclass
class Host:
    """One app host: a gunicorn on `port` with its own instance folder."""

    name: str
    port: int
    instance: Path
    env: dict
    process: subprocess.Popen | None = None

    def start(self, workers: int = 1, threads: int = 4) -> "Host":
        self.instance.mkdir(parents=True, exist_ok=True)
        log = open(self.instance / "gunicorn.log", "ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        log.close()
        wait_ready(self.port, self.process, self.instance / "gunicorn.log")
        return self

    def flask(self, *args: str, timeout: float = 120) -> subprocess.Popen:
        """`flask …` with this host's settings (not waited for)."""
        return subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def stop(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def wait_ready(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} ended: {log.read_text(errors='replace')[-2000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.2)
    raise RuntimeError(f"server on {port} did not answer within {timeout}s")


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    client_max_body_size 60m;
    upstream portal {{
{servers}
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def start_nginx(folder: Path, port: int, upstreams: list[int]) -> subprocess.Popen:
    """nginx in the foreground on `port`, round-robin over `upstreams` (loopback ports)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "tmp"
    tmp.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)
    os.chmod(tmp, 0o777)  # nginx's workers run as nobody when it is started as root
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstreams)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, servers=servers, port=port))
    log = open(folder / "nginx.out", "ab")
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-e",
                                str(folder / "error.log")], stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    wait_ready(port, process, folder / "error.log")
    return process


# --------------------------------------------------------------------------- a browser

@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Browser:
    """A user's browser: its cookies, sent to whichever host is asked."""

    cookies: dict = field(default_factory=dict)

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> Answer:
        headers = dict(headers or {})
        headers.setdefault("Host", "portal.tinh.test")  # the same name whichever host answers
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if "expires=thu, 01 jan 1970" in value.lower() or not val:
                        self.cookies.pop(key.strip(), None)
                    else:
                        self.cookies[key.strip()] = val.strip()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()},
                          data)
        finally:
            conn.close()

    def get(self, port: int, path: str, **headers) -> Answer:
        return self.request(port, "GET", path, headers=headers)

    def post(self, port: int, path: str, fields: dict, files: list | None = None,
             headers: dict | None = None) -> Answer:
        """A form post (multipart when `files`: [(field, filename, bytes, type)])."""
        headers = dict(headers or {})
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                             f'\r\n\r\n{value}\r\n'.encode())
            for name, filename, content, kind in files:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                             f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
                             + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            from urllib.parse import urlencode

            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request(port, "POST", path, body=body, headers=headers)

    def login(self, port: int, username: str, password: str) -> Answer:
        page = self.get(port, "/login")
        return self.post(port, "/login", {"csrf_token": csrf(page.text), "username": username,
                                          "password": password})


def csrf(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    assert found, f"no hidden input {name}"
    return found.group(1)
