"""Known and unknown addresses look the same from the network: the same answers, and — over 200
tries each, through TLS and HTTP to the real server — fastest response times within 10% of each
other (design.md §3: no user enumeration)."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import SEALMAIL, SealmailServer

TRIES = 200


class LoginTimingTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(self, config_overrides={
            ("accounts", "signup"): '"open"',
            ("accounts", "login_failures_per_ip"): "1000000",
            ("accounts", "login_failures_per_account"): "1000000",
        }).start()

    def post(self, sock, path, body):
        status, _, data = self.server.api_request(
            "POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"},
            sock=sock)
        return status, data

    def attempt(self, sock, address):
        """One login with a wrong proof (A = 2 is a valid group element); returns (s, answer)."""
        start = time.perf_counter()
        status, challenge = self.post(sock, "/api/v1/auth/challenge", {"address": address})
        self.assertEqual(status, 200, challenge)
        challenge = json.loads(challenge)
        status, answer = self.post(sock, "/api/v1/auth/login", {
            "challenge": challenge["challenge"],
            "A": base64.b64encode((2).to_bytes(384, "big")).decode(),
            "M1": base64.b64encode(b"\x00" * 32).decode()})
        elapsed = time.perf_counter() - start
        self.assertEqual(status, 401, answer)
        return elapsed, challenge, answer

    def test_known_and_unknown_addresses_answer_alike_in_content_and_time(self):
        self.create_account("alice@example.test")
        sock = self.server.connect_api()
        self.addCleanup(sock.close)
        fastest = {"alice@example.test": float("inf"), "ghost@example.test": float("inf")}
        answers = {}
        shapes = {}
        for _ in range(TRIES):
            for address in fastest:  # interleaved, so load drift hits both alike
                elapsed, challenge, answer = self.attempt(sock, address)
                fastest[address] = min(fastest[address], elapsed)
                answers.setdefault(address, set()).add(answer)
                shapes[address] = {k: len(v) for k, v in challenge.items()}
        known, unknown = fastest["alice@example.test"], fastest["ghost@example.test"]
        print(f"fastest over {TRIES}: known {known * 1e3:.2f} ms, unknown {unknown * 1e3:.2f} ms")
        self.assertLess(abs(known - unknown), 0.10 * max(known, unknown))
        self.assertEqual(answers["alice@example.test"], answers["ghost@example.test"])
        self.assertEqual(len(answers["ghost@example.test"]), 1)
        self.assertEqual(shapes["alice@example.test"], shapes["ghost@example.test"])

    def create_account(self, address):
        """Signs up through the real client, so the account has real keys and verifiers."""
        home = tempfile.mkdtemp(prefix="sealmail-home-")
        self.addCleanup(shutil.rmtree, home, ignore_errors=True)
        host, port = self.server.endpoints["api"]
        env = dict(os.environ, SEALMAIL_HOME=home)
        result = subprocess.run([SEALMAIL, "account", "create", address, "--server",
                                 f"https://{host}:{port}"], input="a long password\n" * 2,
                                capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
