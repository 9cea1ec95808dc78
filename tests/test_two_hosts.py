"""Two app hosts behind nginx, sharing one PostgreSQL and one Redis: the deployment in deploy/, tested.

Each host is a network namespace of its own (``ip netns``, a veth pair) running gunicorn with
deploy/gunicorn.conf.py; nginx runs on the host with deploy/nginx-elearn.conf (TLS with a throwaway
certificate, the upstream pointed at the two namespaces). PostgreSQL and Redis listen on 127.0.0.1
only, which a namespace cannot reach, so socat forwards them from the first veth's host address.
Runs only as root with PostgreSQL (skipped otherwise, with the reason); about 40 s.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from .conftest import FIXTURE_CONTENT, PASSWORD, _PASSWORD_HASH, csrf_from

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SUFFIX = str(os.getpid() % 100000)
#: The two app hosts: namespace, host-side veth, namespace-side veth, subnet (10.213.N.0/24; .1 host, .2 app).
HOSTS = [(f"elx{SUFFIX}{name}", f"vh{SUFFIX}{name}", f"vn{SUFFIX}{name}", number)
         for name, number in (("a", 1), ("b", 2))]
GATEWAY = "10.213.1.1"  # the host's address the namespaces reach PostgreSQL and Redis on
PG_PORT, REDIS_PORT, APP_PORT = 25432, 26379, 8000
REDIS_DB = 11
LEARNERS = 150
RIGHT = {"q-q1": "a", "q-q2": ["a", "b"], "q-q3": "true"}


def _why_not() -> str | None:
    if not (os.environ.get("ELEARN_DATABASE_URL") or "").startswith("postgresql"):
        return "the two-host test shares one PostgreSQL (run the suite with ELEARN_DATABASE_URL=postgresql…)"
    if os.geteuid() != 0:
        return "network namespaces need root"
    for tool in ("ip", "nginx", "socat", "openssl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make test installs it)"
    with closing(socket.socket()) as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            return "Redis does not answer on 127.0.0.1:6379"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One browser: cookies kept by hand (so a cookie from one host can be shown to the other), CSRF from pages."""

    def __init__(self, host: str, port: int, tls: bool = False):
        self.host, self.port, self.tls = host, port, tls
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, retries: int = 0):
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        origin = f"https://localhost:{self.port}" if self.tls else f"http://{self.host}:{self.port}"
        headers = {"Host": f"localhost:{self.port}" if self.tls else "localhost", "Referer": origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(retries + 1):
            if self.tls:
                connection = http.client.HTTPSConnection(self.host, self.port, timeout=60,
                                                         context=ssl._create_unverified_context())
            else:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                status, text_ = response.status, response.read().decode("utf-8", "replace")
                if status in (502, 503, 504) and attempt < retries:
                    time.sleep(0.2)
                    continue
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie":
                        name, _, rest = value.partition("=")
                        self.cookies[name] = rest.split(";", 1)[0]
                return status, response.getheader("Location") or "", text_
            except (ConnectionError, OSError):
                if attempt >= retries:
                    raise
                time.sleep(0.2)
            finally:
                connection.close()
        raise AssertionError("unreachable")

    def login(self, email: str, password: str = PASSWORD) -> int:
        _, _, page = self.request("GET", "/auth/login", retries=3)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _, _ = self.request("POST", "/auth/login", {"email": email, "password": password,
                                                            "csrf_token": token}, retries=3)
        return status


class Cluster:
    """Namespaces, forwarders, two gunicorns and nginx; everything it started is stopped in ``stop``."""

    def __init__(self, database_url: str, workdir: Path):
        self.database_url = database_url
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen] = {}
        self.made_namespaces: list[str] = []
        self.nginx_port = free_port()
        self.content = workdir / "content"
        shutil.copytree(FIXTURE_CONTENT, self.content)

    # -- network ---------------------------------------------------------------------------------
    def network(self) -> None:
        for namespace, outside, inside, number in HOSTS:
            sh("ip", "netns", "add", namespace)
            self.made_namespaces.append(namespace)
            sh("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
            sh("ip", "link", "set", inside, "netns", namespace)
            sh("ip", "addr", "add", f"10.213.{number}.1/24", "dev", outside)
            sh("ip", "link", "set", outside, "up")
            inns = ("ip", "netns", "exec", namespace)
            sh(*inns, "ip", "link", "set", "lo", "up")
            sh(*inns, "ip", "addr", "add", f"10.213.{number}.2/24", "dev", inside)
            sh(*inns, "ip", "link", "set", inside, "up")
            sh(*inns, "ip", "route", "add", "default", "via", f"10.213.{number}.1")
        url = make_url(self.database_url)
        pg = f"{url.host or '127.0.0.1'}:{url.port or 5432}"
        for name, port, target in (("pg", PG_PORT, pg), ("redis", REDIS_PORT, "127.0.0.1:6379")):
            self.start(name, ["socat", f"TCP-LISTEN:{port},bind={GATEWAY},fork,reuseaddr", f"TCP:{target}"])
        for port in (PG_PORT, REDIS_PORT):
            self.wait_port(GATEWAY, port)

    # -- processes -------------------------------------------------------------------------------
    def start(self, name: str, command: list[str], env: dict | None = None) -> None:
        log = open(self.workdir / f"{name}.log", "w")
        self.processes[name] = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)

    @staticmethod
    def wait_port(host: str, port: int, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with closing(socket.socket()) as probe:
                probe.settimeout(0.3)
                if probe.connect_ex((host, port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"nothing answers on {host}:{port}")

    def app_env(self, number: int) -> dict:
        url = make_url(self.database_url).set(host=GATEWAY, port=PG_PORT)
        env = {key: value for key, value in os.environ.items() if not key.startswith("ELEARN_")}
        env.update({
            "PYTHONPATH": str(ROOT),
            "ELEARN_SECRET_KEY": "two-hosts-test-secret-0123456789abcdefghijklmnop",
            "ELEARN_DATABASE_URL": url.render_as_string(hide_password=False),
            "ELEARN_RATELIMIT_STORAGE_URL": f"redis://{GATEWAY}:{REDIS_PORT}/{REDIS_DB}",
            "ELEARN_BASE_URL": f"https://localhost:{self.nginx_port}",
            "ELEARN_TRUSTED_PROXIES": "1",
            "ELEARN_CONTENT_DIR": str(self.content),
            "ELEARN_CONTENT_CACHE_SECONDS": "1",
            "ELEARN_LOGIN_LIMIT_PER_IP": "1000 per minute",
            "ELEARN_BIND": f"10.213.{number}.2:{APP_PORT}",
            "ELEARN_PROXY_ADDRESSES": f"10.213.{number}.1",
            "ELEARN_WORKERS": "2",
            "ELEARN_LOG_LEVEL": "warning",
        })
        return env

    def start_app(self, index: int) -> None:
        namespace, _, _, number = HOSTS[index]
        self.start(f"app{index}", ["ip", "netns", "exec", namespace, str(VENV_BIN / "gunicorn"),
                                   "--config", str(ROOT / "deploy" / "gunicorn.conf.py")], self.app_env(number))

    def wait_app(self, index: int) -> None:
        number = HOSTS[index][3]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if Client(f"10.213.{number}.2", APP_PORT).request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if self.processes[f"app{index}"].poll() is not None:
                raise RuntimeError((self.workdir / f"app{index}.log").read_text())
            time.sleep(0.2)
        raise RuntimeError(f"app host {index} did not start")

    def nginx(self) -> None:
        """deploy/nginx-elearn.conf with its addresses, names and paths replaced for this machine."""
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
           "-keyout", str(self.workdir / "tls.key"), "-out", str(self.workdir / "tls.crt"))
        site = (ROOT / "deploy" / "nginx-elearn.conf").read_text()
        replacements = [
            (r"server 10\.0\.0\.11:8000", f"server 10.213.1.2:{APP_PORT}"),
            (r"server 10\.0\.0\.12:8000", f"server 10.213.2.2:{APP_PORT}"),
            (r"listen \[::\]:\d+[^;]*;\n", ""),
            (r"listen 80;", f"listen 127.0.0.1:{free_port()};"),
            (r"listen 443 ssl", f"listen 127.0.0.1:{self.nginx_port} ssl"),
            (r"server_name elearn\.example\.jp;", "server_name localhost;"),
            (r"/etc/letsencrypt/live/elearn\.example\.jp/fullchain\.pem", str(self.workdir / "tls.crt")),
            (r"/etc/letsencrypt/live/elearn\.example\.jp/privkey\.pem", str(self.workdir / "tls.key")),
            (r"alias /opt/elearn/app/elearn/static/;", f"alias {ROOT / 'elearn' / 'static'}/;"),
        ]
        for pattern, replacement in replacements:
            site, count = re.subn(pattern, replacement, site)
            assert count, f"deploy/nginx-elearn.conf no longer has {pattern}"
        temp = self.workdir / "nginx"
        temp.mkdir()
        conf = self.workdir / "nginx.conf"
        conf.write_text(f"""
user root;
worker_processes 1;
pid {temp}/nginx.pid;
error_log {self.workdir}/nginx-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    log_format upstream '$upstream_addr $status $request_method $uri';
    access_log {self.workdir}/nginx-access.log upstream;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{site}
}}
""")
        sh("nginx", "-t", "-c", str(conf))
        self.start("nginx", ["nginx", "-c", str(conf)])
        self.wait_port("127.0.0.1", self.nginx_port)

    def stop_app(self, index: int) -> None:
        """SIGTERM to the host's gunicorn: it stops accepting and finishes the requests it holds."""
        process = self.processes[f"app{index}"]
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=40)

    def stop(self) -> None:
        for name, process in reversed(list(self.processes.items())):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        for namespace, outside, _, _ in HOSTS:
            subprocess.run(["ip", "link", "del", outside], capture_output=True)
            if namespace in self.made_namespaces:
                subprocess.run(["ip", "netns", "del", namespace], capture_output=True)

    def elearn(self, *args: str) -> str:
        """An ``elearn`` command on the host (in this process: no second interpreter start)."""
        from elearn import create_app

        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": self.database_url,
                          "CONTENT_DIR": str(self.content)})
        result = app.test_cli_runner().invoke(args=list(args))
        with app.app_context():
            from elearn.extensions import db
            db.engine.dispose()
        assert result.exit_code == 0, result.output
        return result.output

    def via_nginx(self) -> Client:
        return Client("127.0.0.1", self.nginx_port, tls=True)

    def direct(self, index: int) -> Client:
        return Client(f"10.213.{HOSTS[index][3]}.2", APP_PORT)

    def upstreams(self) -> dict[str, int]:
        """How many requests nginx passed to each host so far."""
        counts: dict[str, int] = {}
        for line in (self.workdir / "nginx-access.log").read_text().splitlines():
            for address in line.split()[0].split(","):
                counts[address.strip()] = counts.get(address.strip(), 0) + 1
        return counts


@pytest.fixture(scope="module")
def cluster(database_url, tmp_path_factory):
    import redis

    from elearn import create_app
    from elearn.cli import create_user
    from elearn.extensions import db
    from elearn.models import Role

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    workdir = tmp_path_factory.mktemp("two-hosts")
    os.chmod(workdir, 0o755)
    cluster = Cluster(database_url, workdir)
    started = time.monotonic()
    mark = lambda what: print(f"{time.monotonic() - started:6.1f}s {what}", file=sys.stderr)  # noqa: E731
    cluster.elearn("content", "import")
    mark("content imported")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        for number in range(LEARNERS):
            create_user(f"load{number}@example.jp", Role.LEARNER, f"受講者{number}", password_hash=_PASSWORD_HASH)
        for name in ("roaming", "limited"):
            create_user(f"{name}@example.jp", Role.LEARNER, name, password_hash=_PASSWORD_HASH)
        db.session.commit()
    mark("users made")
    try:
        cluster.network()
        mark("network up")
        cluster.start_app(0)
        cluster.start_app(1)
        cluster.wait_app(0)
        cluster.wait_app(1)
        mark("hosts up")
        cluster.nginx()
        mark("nginx up")
        yield cluster
    finally:
        cluster.stop()
        redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
        with app.app_context():
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            db.engine.dispose()


def attempts(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM quiz_attempts")).scalar()
    engine.dispose()
    return count


def test_a_session_made_on_one_host_works_on_the_other(cluster):
    first = cluster.direct(0)
    assert first.login("roaming@example.jp") == 302
    second = cluster.direct(1)
    second.cookies = dict(first.cookies)
    status, _, page = second.request("GET", "/")
    assert status == 200 and "roaming さん" in page
    assert cluster.direct(1).request("GET", "/")[0] == 302  # without the cookie: to the login page


def test_login_limits_count_across_both_hosts(cluster):
    statuses = [cluster.direct(n % 2).login("limited@example.jp", "wrong password!") for n in range(6)]
    assert statuses[:5] == [200] * 5  # the form again, with an error: five tries a minute per account
    assert statuses[5] == 429, statuses  # the sixth, on host B after three on each, is over the limit
    assert cluster.direct(0).login("limited@example.jp") == 429  # and the right password is refused too now


def test_a_content_reimport_reaches_both_hosts(cluster):
    viewers = [cluster.direct(0), cluster.direct(1)]
    for viewer in viewers:
        viewer.cookies = {}
    assert viewers[0].login("roaming@example.jp") == 302
    viewers[1].cookies = dict(viewers[0].cookies)
    module = cluster.content / "courses" / "initial" / "01-alpha.md"
    module.write_text(module.read_text(encoding="utf-8").replace("title: テスト教材A", "title: テスト教材A（改訂版）"),
                      encoding="utf-8")
    for viewer in viewers:  # both hosts have the old version in their snapshot
        assert "テスト教材A（改訂版）" not in viewer.request("GET", "/courses/initial/t-alpha")[2]
    cluster.elearn("content", "import")
    deadline = time.monotonic() + 10
    seen = set()
    while time.monotonic() < deadline and len(seen) < 2:
        for index, viewer in enumerate(viewers):
            if "テスト教材A（改訂版）" in viewer.request("GET", "/courses/initial/t-alpha")[2]:
                seen.add(index)
        time.sleep(0.3)
    assert seen == {0, 1}


def _submitters(cluster) -> list[tuple[Client, dict]]:
    """Every load learner signed in through nginx (once) with a fresh quiz form in hand (8 at a time)."""
    ready: list[tuple[Client, dict]] = []
    lock = threading.Lock()
    numbers = iter(range(LEARNERS))
    signed_in = cluster.__dict__.setdefault("signed_in", {})

    def work():
        for number in iter(lambda: next(numbers, None), None):
            client = signed_in.get(number)
            if client is None:
                client = signed_in[number] = cluster.via_nginx()
                assert client.login(f"load{number}@example.jp") == 302
            _, _, page = client.request("GET", "/courses/initial/t-alpha", retries=3)
            form = {"csrf_token": csrf_from(page),
                    "attempt": re.search(r'name="attempt" value="([^"]+)"', page).group(1), **RIGHT}
            with lock:
                ready.append((client, form))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ready) == LEARNERS
    return ready


def _submit_all(pairs, on_half=None) -> list[tuple[int, str]]:
    """All at once (a barrier); a 502 or a broken connection is retried with the same form (same nonce)."""
    barrier = threading.Barrier(len(pairs))
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def submit(client, form):
        barrier.wait()
        status, location, _ = client.request("POST", "/quiz/t-alpha", form, retries=10)
        with lock:
            results.append((status, location))
            if on_half and len(results) == len(pairs) // 3:
                on_half()

    threads = [threading.Thread(target=submit, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_150_simultaneous_submissions_over_both_hosts_lose_nothing(cluster):
    before = attempts(cluster.database_url)
    served_before = cluster.upstreams()
    results = _submit_all(_submitters(cluster))
    assert [status for status, _ in results] == [302] * LEARNERS
    assert all("/quiz/t-alpha/attempts/" in location for _, location in results), results[:3]
    assert attempts(cluster.database_url) - before == LEARNERS
    served = cluster.upstreams()
    for host in (f"10.213.1.2:{APP_PORT}", f"10.213.2.2:{APP_PORT}"):
        assert served.get(host, 0) - served_before.get(host, 0) > LEARNERS // 4, served  # both took a share


def test_stopping_one_host_mid_load_loses_no_committed_row(cluster):
    pairs = _submitters(cluster)
    before = attempts(cluster.database_url)
    stopper = threading.Thread(target=cluster.stop_app, args=(0,))
    results = _submit_all(pairs, on_half=stopper.start)
    stopper.join()
    assert cluster.processes["app0"].poll() is not None  # host A is down
    recorded = [location for status, location in results if status == 302 and "/attempts/" in location]
    engine = create_engine(cluster.database_url)
    with engine.connect() as connection:
        ids = [int(re.search(r"/attempts/(\d+)", location).group(1)) for location in recorded]
        found = connection.execute(text("SELECT count(*) FROM quiz_attempts WHERE id = ANY(:ids)"),
                                   {"ids": ids}).scalar()
        nonces = connection.execute(text("SELECT count(DISTINCT nonce), count(*) FROM quiz_attempts")).one()
    engine.dispose()
    assert found == len(recorded)  # every acknowledged submission is in the database
    assert all(status == 302 for status, _ in results), [s for s, _ in results if s != 302]
    assert attempts(cluster.database_url) - before == LEARNERS  # each exactly once (retries reuse the nonce)
    assert nonces[0] == nonces[1]
    client = cluster.via_nginx()  # and host B keeps serving
    assert client.login("roaming@example.jp") == 302
    assert client.request("GET", "/courses/initial/t-alpha")[0] == 200
