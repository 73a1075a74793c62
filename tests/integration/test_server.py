"""`sealmail server` as an operator runs it: start, serve, drain on SIGTERM, reload TLS on
SIGHUP, survive kill -9, enforce connection limits and timeouts."""
import base64
import hashlib
import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
import unittest

from harness import SealmailServer, read_http_response, run_cli


def peer_cert_sha256(sock):
    return hashlib.sha256(sock.getpeercert(binary_form=True)).hexdigest()


class ServerTest(unittest.TestCase):
    def test_starts_from_init_and_serves_health_over_tls(self):
        server = SealmailServer(self).start()
        host, port = server.endpoints["api"]
        self.assertEqual(host, "127.0.0.1")
        self.assertNotEqual(port, 0)
        status, headers, body = server.api_request("GET", "/api/v1/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "ok")
        self.assertIn("max-age=", headers["strict-transport-security"])
        self.assertIn("default-src 'none'", headers["content-security-policy"])
        status, _, body = server.api_request("GET", "/api/v1/nothing-here")
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)["error"]["code"], "not_found")
        self.assertEqual(server.terminate(), 0)

    def test_sigterm_drains_open_connections_and_exits_zero(self):
        server = SealmailServer(self).start()
        idle = server.connect_api()
        status, _, _ = server.api_request("GET", "/api/v1/health", sock=idle)
        self.assertEqual(status, 200)
        server.process.send_signal(signal.SIGTERM)
        # The idle keep-alive connection is closed by the server, not left hanging.
        idle.settimeout(20)
        self.assertEqual(idle.recv(1), b"")
        self.assertEqual(server.process.wait(timeout=30), 0)
        # After the drain nothing listens any more.
        with self.assertRaises(OSError):
            socket.create_connection(server.endpoints["api"], timeout=5)

    def test_sighup_reloads_the_certificate_for_new_connections(self):
        server = SealmailServer(self).start()
        old = server.connect_api()
        before = peer_cert_sha256(old)
        # A second certificate, as an operator would put in place of the first.
        other = SealmailServer(self)
        shutil.copy(other.dir / "tls/cert.pem", server.dir / "tls/cert.pem")
        shutil.copy(other.dir / "tls/key.pem", server.dir / "tls/key.pem")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        after = before
        while after == before and time.monotonic() < deadline:
            with server.connect_api(verify=False) as sock:
                after = peer_cert_sha256(sock)
            if after == before:
                time.sleep(0.05)
        self.assertNotEqual(after, before)
        # The connection made before the reload still works.
        status, _, _ = server.api_request("GET", "/api/v1/health", sock=old)
        self.assertEqual(status, 200)
        old.close()
        self.assertEqual(server.terminate(), 0)

    def test_sighup_with_a_broken_certificate_keeps_serving_the_old_one(self):
        server = SealmailServer(self).start()
        with server.connect_api() as sock:
            before = peer_cert_sha256(sock)
        (server.dir / "tls/cert.pem").write_text("not a certificate\n")
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and "reload" not in server.log.read_text():
            time.sleep(0.05)
        self.assertRegex(server.log.read_text(), r"(?i)tls.*reload.*fail|reload.*tls.*fail")
        with server.connect_api() as sock:
            self.assertEqual(peer_cert_sha256(sock), before)
        self.assertEqual(server.terminate(), 0)

    def test_kill_9_and_restart_keeps_the_store(self):
        server = SealmailServer(self).start()
        db = server.dir / "data" / "sealmail.db"
        self.assertTrue(db.exists())
        self.assertEqual(server.terminate(signal.SIGKILL), -signal.SIGKILL)
        with sqlite3.connect(db) as conn:
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations")]
        self.assertGreaterEqual(len(versions), 1)
        server.start()
        status, _, _ = server.api_request("GET", "/api/v1/health")
        self.assertEqual(status, 200)
        with sqlite3.connect(db) as conn:
            again = [v for (v,) in conn.execute("SELECT version FROM schema_migrations")]
        self.assertEqual(again, versions)
        self.assertEqual(server.terminate(), 0)

    def test_per_address_connection_limit_refuses_with_503(self):
        server = SealmailServer(self, config_overrides={
            ("limits", "max_connections_per_ip"): "2"}).start()
        first, second = server.connect_api(), server.connect_api()
        # Both are fully established: they get answers.
        for sock in (first, second):
            self.assertEqual(server.api_request("GET", "/api/v1/health", sock=sock)[0], 200)
        with server.connect_api() as third:  # the refusal comes over TLS
            status, headers, _ = read_http_response(third)
            self.assertEqual(status, 503)
            self.assertIn("retry-after", headers)
        first.close()
        deadline = time.monotonic() + 20
        while True:  # the server notices the close asynchronously
            with server.connect_api() as sock:
                status = server.api_request("GET", "/api/v1/health", sock=sock)[0]
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(status, 200)
        second.close()
        self.assertEqual(server.terminate(), 0)

    def test_idle_connections_are_closed_after_the_idle_timeout(self):
        server = SealmailServer(self, config_overrides={
            ("limits", "idle_timeout"): '"300ms"'}).start()
        sock = server.connect_api()
        sock.settimeout(20)
        started = time.monotonic()
        self.assertEqual(sock.recv(1), b"")
        self.assertLess(time.monotonic() - started, 15)
        sock.close()
        self.assertEqual(server.terminate(), 0)

    def test_unreadable_certificate_is_a_one_line_start_error(self):
        server = SealmailServer(self)
        (server.dir / "tls/key.pem").unlink()
        result = run_cli("server", "--config", str(server.config), timeout=30)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
        self.assertIn("key.pem", result.stderr)


    def test_library_warnings_go_to_the_log_file_not_the_console(self):
        server = SealmailServer(self, config_overrides={("accounts", "signup"): '"open"'}).start()
        # A signup whose keys are garbage: librnp complains on fd 2 while parsing them.
        garbage = {"public_key": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBGGarbageAAAA\n"
                                 "=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n"}
        auth = {"srp": "rfc5054-3072-sha256", "salt": base64.b64encode(b"0" * 16).decode(),
                "verifier": base64.b64encode(b"\x05" * 384).decode(), "kdf": "m=65536,t=3,p=1"}
        body = {"address": "x@example.test", "auth": auth, "recovery_auth": auth,
                "account_key": garbage, "address_key": garbage, "key_list": {}}
        status, _, answer = server.api_request("POST", "/api/v1/accounts",
                                               json.dumps(body).encode(),
                                               {"Content-Type": "application/json"})
        self.assertEqual(status, 400, answer)
        self.assertIn(b"not an OpenPGP key", answer)
        self.assertEqual(server.terminate(), 0)
        self.assertNotIn("stream-armor", "".join(server.output))
        self.assertIn("stream-armor", server.log.read_text())

if __name__ == "__main__":
    unittest.main()
