"""Runs the real `sealmail` binary for integration tests.

Each SealmailServer lives in its own temp dir, listens only on 127.0.0.1 with ports the
operating system picks, and is stopped by its PID (SIGTERM, then SIGKILL after a bound) when
the test ends — whatever the test did.
"""
import os
import pathlib
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

SEALMAIL = os.environ.get("SEALMAIL_BIN") or str(
    pathlib.Path(__file__).resolve().parents[2] / "build" / "sealmail")
LISTENING = re.compile(r"^sealmail: (\w+) listening on (\S+):(\d+)")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 40.0


def run_cli(*args, input_text=None, timeout=60):
    """Runs `sealmail ARGS…` to completion; returns the CompletedProcess."""
    return subprocess.run([SEALMAIL, *args], capture_output=True, text=True, input=input_text,
                          timeout=timeout)


class SealmailServer:
    def __init__(self, test: unittest.TestCase, domain="example.test", config_overrides=None):
        self.test = test
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-it-"))
        test.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        result = run_cli("init", "--dir", str(self.dir), "--domain", domain)
        test.assertEqual(result.returncode, 0, result.stderr)
        self.config = self.dir / "sealmail.toml"
        self.hostname = "mail." + domain
        self.cert = self.dir / "tls" / "cert.pem"
        # Certificates clients trust: the one init wrote.
        self.trusted = [self.cert.read_text()]
        self.log = self.dir / "sealmail.log"
        # Ports the OS picks, and a resolver address where nothing answers: no test's DNS
        # question (SPF, DKIM, DMARC) may leave the machine. Tests that need answers point
        # [dns] at their own DNS lab.
        overrides = {("api", "listen"): '["127.0.0.1:0"]', ("mx", "listen"): '["127.0.0.1:0"]',
                     ("mx", "connections_per_minute_per_ip"): "100000",
                     ("dns", "forwarders"): '["127.0.0.1@9"]', ("dns", "timeout"): '"2s"',
                     ("log", "file"): f'"{self.log}"'}
        overrides.update(config_overrides or {})
        self.set_config(overrides)
        self.process = None
        self.endpoints = {}
        self.output = []

    def set_config(self, overrides):
        """Sets `key = value` (value as TOML text) in the named [section]s of the config."""
        text = self.config.read_text()
        for (section, key), value in overrides.items():
            pattern = re.compile(rf"^({re.escape(key)}\s*=).*$", re.M)
            start = text.index(f"[{section}]\n")
            end = text.find("\n[", start + 1)
            end = len(text) if end < 0 else end
            block = text[start:end]
            if pattern.search(block):
                block = pattern.sub(lambda m: f"{m.group(1)} {value}", block, count=1)
            else:
                block = block.rstrip("\n") + f"\n{key} = {value}\n"
            text = text[:start] + block + text[end:]
        self.config.write_text(text)

    def start(self, env=None):
        """Starts `sealmail server` (with env as its whole environment, if given) and waits
        (bounded) until every role in the config reported its listener."""
        self.process = subprocess.Popen([SEALMAIL, "server", "--config", str(self.config)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, bufsize=1, env=env)
        self.test.addCleanup(self.kill)
        self.endpoints = {}
        self.pending = b""
        roles = re.search(r"^roles\s*=\s*\[(.*)\]", self.config.read_text(), re.M)
        expected = set(re.findall(r'"(\w+)"', roles.group(1))) if roles else {"api"}
        deadline = time.monotonic() + START_TIMEOUT
        while not expected <= set(self.endpoints):
            line = self.read_line(deadline)
            if line is None:
                self.test.fail("server did not report its listeners: " + "".join(self.output))
            m = LISTENING.match(line)
            if m:
                self.endpoints[m.group(1)] = (m.group(2), int(m.group(3)))
        return self

    def read_line(self, deadline):
        # Reads the pipe's bytes itself: a buffered readline() would take both listener lines
        # in one read, and select() would then wait for the second one until the deadline.
        fd = self.process.stdout.fileno()
        while time.monotonic() < deadline:
            if b"\n" in self.pending:
                line, _, self.pending = self.pending.partition(b"\n")
                text = line.decode(errors="replace") + "\n"
                self.output.append(text)
                return text
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self.pending += chunk
            elif self.process.poll() is not None:
                return None
        return None

    def terminate(self, sig=signal.SIGTERM):
        """Sends SIG, waits (bounded) for the exit, and returns the exit code."""
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            self.kill()
        return code

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
        if self.process and self.process.stdout and not self.process.stdout.closed:
            if self.pending:
                self.output.append(self.pending.decode(errors="replace"))
                self.pending = b""
            self.output.extend(self.process.stdout.readlines())
            self.process.stdout.close()

    # Clients ------------------------------------------------------------------------------

    def tls_context(self, verify=True):
        if not verify:  # only to read which certificate the server presents
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        context = ssl.create_default_context(cadata="".join(self.trusted))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def connect_api(self, timeout=10.0, verify=True):
        host, port = self.endpoints["api"]
        raw = socket.create_connection((host, port), timeout=timeout)
        try:
            return self.tls_context(verify).wrap_socket(raw, server_hostname=self.hostname)
        except BaseException:
            raw.close()
            raise

    def api_request(self, method, path, body=b"", headers=None, sock=None):
        """One HTTP/1.1 request over TLS; returns (status, headers dict lower-case, body)."""
        own = sock is None
        sock = sock or self.connect_api()
        try:
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.hostname}",
                     f"Content-Length: {len(body)}"]
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            if own:
                lines.append("Connection: close")
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            return read_http_response(sock)
        finally:
            if own:
                sock.close()


def read_http_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before a response: %r" % data)
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length]
