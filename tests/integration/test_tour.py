"""The README's tour, as a new user would run it: two accounts on a local server, login,
TOTP from oathtool, logout and login again — with secrets typed on stdin, never in argv.
Also checks that neither the password nor the recovery phrase reaches the server's log or
store files."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import SEALMAIL, SealmailServer, run_cli
from peers.gpg import Gpg

SECRET = re.compile(r"^\s*([A-Z2-7]{32})\s*$")


class TourTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(self).start()
        host, port = self.server.endpoints["api"]
        self.url = f"https://{host}:{port}"
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-home-"))
        self.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        self.env = dict(os.environ, SEALMAIL_HOME=str(self.home),
                        SEALMAIL_CONFIG=str(self.server.config))

    def sealmail(self, *args, stdin="", ok=True):
        result = subprocess.run([SEALMAIL, *args], capture_output=True, text=True, input=stdin,
                                env=self.env, timeout=120)
        if ok:
            self.assertEqual(result.returncode, 0, f"{args}: {result.stderr}")
        else:
            self.assertNotEqual(result.returncode, 0, f"{args}: {result.stdout}")
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        return result

    def create(self, address, password):
        code = self.sealmail("user", "invite").stdout.strip()
        result = self.sealmail("account", "create", address, "--server", self.url,
                               "--invite", code, stdin=f"{password}\n{password}\n")
        self.assertIn(f"created {address}", result.stdout)
        phrase = [line.strip() for line in result.stdout.splitlines()
                  if len(line.split()) == 12]
        self.assertEqual(len(phrase), 1, result.stdout)
        return phrase[0]

    def enable_totp(self):
        """Runs `sealmail 2fa enable`, reads the secret it shows, answers with oathtool's code."""
        process = subprocess.Popen([SEALMAIL, "2fa", "enable"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=self.env)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        secret = None
        for _ in range(20):
            line = process.stdout.readline()
            if not line:
                break
            m = SECRET.match(line)
            if m:
                secret = m.group(1)
                break
        self.assertIsNotNone(secret, "2fa enable showed no secret")
        step = int(time.time()) // 30
        code = subprocess.run(["oathtool", "--totp", "-b", secret], capture_output=True,
                              text=True, check=True).stdout.strip()
        out, err = process.communicate(code + "\n", timeout=60)
        self.assertEqual(process.returncode, 0, err)
        codes = re.findall(r"^\s+([0-9a-z]{5}-[0-9a-z]{5})\s*$", out, re.M)
        self.assertEqual(len(codes), 10, out)
        return secret, step

    @staticmethod
    def fresh_code(secret, after_step):
        """oathtool's code for the first 30-second step after `after_step` (waits ≤ 31 s)."""
        deadline = time.monotonic() + 31
        while int(time.time()) // 30 <= after_step and time.monotonic() < deadline:
            time.sleep(0.5)
        step = int(time.time()) // 30
        code = subprocess.run(["oathtool", "--totp", "-b", secret], capture_output=True,
                              text=True, check=True).stdout.strip()
        return code, step

    def test_the_tour(self):
        alice_phrase = self.create("alice@example.test", "alice's long password")
        self.create("bob@example.test", "bob's long password")
        listed = self.sealmail("user", "list").stdout
        self.assertIn("alice@example.test", listed)
        self.assertIn("bob@example.test", listed)

        self.sealmail("login", "alice@example.test", stdin="alice's long password\n")
        self.assertIn("alice@example.test", self.sealmail("keys", "list").stdout)
        exported = self.sealmail("keys", "export", "bob@example.test").stdout
        self.assertIn("BEGIN PGP PUBLIC KEY BLOCK", exported)

        # Mail from the Internet, encrypted on arrival, read and decrypted by the client.
        host, port = self.server.endpoints["mx"]
        sent = subprocess.run(["swaks", "--server", f"{host}:{port}", "--from",
                               "carol@outside.test", "--to", "alice@example.test",
                               "--header", "Subject: Hello from the tour",
                               "--body", "Lunch on Friday?"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(sent.returncode, 0, sent.stdout)
        self.assertIn("250 2.0.0 Ok: queued as", sent.stdout)
        listed = self.sealmail("list", stdin="alice's long password\n").stdout
        self.assertIn("Hello from the tour", listed)
        message_id = listed.split()[0]
        shown = self.sealmail("read", message_id, stdin="alice's long password\n").stdout
        self.assertIn("Subject: Hello from the tour", shown)
        self.assertIn("Lunch on Friday?", shown)
        self.assertIn("encrypted for you on arrival", shown)

        # Between users: a 5 MB attachment, encrypted and signed on alice's machine.
        photos = self.home / "photos.bin"
        photos.write_bytes(os.urandom(5_000_000))
        self.sealmail("send", "--to", "bob@example.test", "--subject", "Lunch", "--attach",
                      str(photos), stdin="alice's long password\nSee you at noon.\n")
        self.assertIn("Lunch", self.sealmail("list", "--folder", "sent",
                                             stdin="alice's long password\n").stdout)
        self.sealmail("login", "bob@example.test", stdin="bob's long password\n")
        inbox = self.sealmail("list", "--address", "bob@example.test",
                              stdin="bob's long password\n").stdout
        self.assertIn("Lunch", inbox)
        self.assertIn("[attachments]", inbox)
        lunch = inbox.split()[0]
        shown = self.sealmail("read", "--address", "bob@example.test", lunch,
                              stdin="bob's long password\n").stdout
        self.assertIn("See you at noon.", shown)
        self.assertIn("photos.bin", shown)
        self.assertIn("signed by alice@example.test (signature verified)", shown)
        self.sealmail("login", "alice@example.test", stdin="alice's long password\n")

        # A draft, changed and then sent: it leaves Drafts, bob gets the last version.
        saved = self.sealmail("draft", "--to", "bob@example.test", "--subject", "Plan",
                              stdin="alice's long password\nDraft for later.\n").stdout
        self.assertTrue(saved.startswith("saved draft "), saved)
        edited = self.sealmail("draft", "--edit", saved.split()[2], "--subject", "Plan B",
                               stdin="alice's long password\n").stdout
        self.assertNotEqual(edited.split()[2], saved.split()[2])
        self.sealmail("send", "--draft", edited.split()[2], stdin="alice's long password\n")
        self.assertEqual(self.sealmail("list", "--folder", "drafts",
                                       stdin="alice's long password\n").stdout.strip(),
                         "No messages in drafts.")
        self.assertIn("Plan B", self.sealmail("list", "--address", "bob@example.test",
                                              stdin="bob's long password\n").stdout)

        # Outside: a pinned key gives PGP/MIME, held in the queue for delivery; carol's gpg reads it.
        gpg = Gpg(self)
        carol_key = gpg.generate("carol@outside.test")
        self.sealmail("contacts", "add", "carol@outside.test", "--key", str(carol_key))
        self.sealmail("send", "--to", "carol@outside.test", "--subject", "Hi",
                      stdin="alice's long password\nHello Carol.\n")
        queue = self.sealmail("queue", "list").stdout
        self.assertIn("alice@example.test -> carol@outside.test", queue)
        queued = queue.split()[0]
        gpg.import_key(self.sealmail("keys", "export", "alice@example.test").stdout)
        shown = subprocess.run(f"'{SEALMAIL}' queue show {queued} | gpg --homedir '{gpg.home}' "
                               "--batch --decrypt", shell=True, capture_output=True,
                               env=self.env, timeout=60)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn(b"Hello Carol.", shown.stdout)
        self.assertIn(b'Good signature from "<alice@example.test>"', shown.stderr)

        secret, enabled_step = self.enable_totp()
        self.sealmail("logout")
        self.sealmail("sessions", "list", ok=False)  # logged out: nothing to list

        wrong = self.sealmail("login", "alice@example.test",
                              stdin="not the password\n", ok=False)
        self.assertIn("wrong address or password", wrong.stderr)
        # The code used to turn TOTP on is spent; the next login waits for the next one.
        code, step = self.fresh_code(secret, after_step=enabled_step)
        self.sealmail("login", "alice@example.test", stdin=f"alice's long password\n{code}\n")
        self.assertIn("*", self.sealmail("sessions", "list").stdout)
        again = self.sealmail("login", "alice@example.test",
                              stdin=f"alice's long password\n{code}\n", ok=False)
        self.assertIn("already used", again.stderr)
        # Logging in again replaces the session on the server too: one session, not two.
        code, step = self.fresh_code(secret, after_step=step)
        self.sealmail("login", "alice@example.test", stdin=f"alice's long password\n{code}\n")
        self.assertEqual(len(self.sealmail("sessions", "list").stdout.splitlines()), 1)

        # The administrator's view of the same accounts.
        quota = self.sealmail("user", "quota", "alice@example.test").stdout
        self.assertIn("addresses          1 of 5", quota)
        self.sealmail("user", "disable", "bob@example.test")
        disabled = self.sealmail("login", "bob@example.test", "--server", self.url,
                                 stdin="bob's long password\n", ok=False)
        self.assertIn("disabled", disabled.stderr)

        # Zero access: the password and the phrase are nowhere on the server's side.
        self.server.terminate()
        for path in self.server.dir.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for secret_text in ("alice's long password", "bob's long password",
                                    alice_phrase):
                    self.assertNotIn(secret_text.encode(), data, path)

    def test_a_totp_code_works_once_across_two_server_processes(self):
        """Two `sealmail server` processes on one store; two clients race one code at them."""
        store = self.server.dir / "data" / "sealmail.db"
        second = SealmailServer(self, config_overrides={("store", "url"): f'"sqlite:{store}"'})
        second.start()
        host, port = second.endpoints["api"]
        self.create("dave@example.test", "dave's long password")
        secret, step = self.enable_totp()
        self.sealmail("logout")
        other_home = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-home-"))
        self.addCleanup(shutil.rmtree, other_home, ignore_errors=True)
        code, _ = self.fresh_code(secret, after_step=step)
        logins = []
        for home, url in ((self.home, self.url), (other_home, f"https://{host}:{port}")):
            env = dict(self.env, SEALMAIL_HOME=str(home))
            logins.append(subprocess.Popen(
                [SEALMAIL, "login", "dave@example.test", "--server", url],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env=env))
        results = [p.communicate(f"dave's long password\n{code}\n", timeout=60) for p in logins]
        codes = [p.returncode for p in logins]
        self.assertEqual(sorted(codes), [0, 1], results)
        loser = results[codes.index(1)]
        self.assertIn("already used", loser[1])

    def test_secrets_are_refused_in_argv_and_files_are_private(self):
        self.create("carol@example.test", "carol's long password")
        for path in self.home.rglob("*"):
            mode = path.stat().st_mode & 0o777
            self.assertEqual(mode, 0o700 if path.is_dir() else 0o600, path)
        result = run_cli("login", "--help")
        self.assertNotIn("--password ", result.stdout)
        self.assertIn("--password-file", result.stdout)


if __name__ == "__main__":
    unittest.main()
