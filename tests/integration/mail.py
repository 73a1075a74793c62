"""Accounts on a SealmailServer and what its MX stored for them, read back with the real
`sealmail` client (`account create`, `list --json`, `read --json`).

    client = MailClient(test, server)
    client.create("alice@example.test")
    entry = client.read("alice@example.test", [queue_id])[queue_id]   # entry["raw"]: bytes
    assert_stored_as_sent(test, entry["raw"], sent_bytes)
"""
import base64
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

from harness import SEALMAIL

QUEUED = re.compile(r"2\.0\.0 Ok: queued as ([0-9a-f]{16})")
# What the server may prepend: whole header fields (a name, or a folded continuation).
HEADER_LINE = re.compile(rb"^(?:[!-9;-~]+:[^\r\n]*|[ \t][^\r\n]*)$")


def queued_id(text):
    """The 16-hex id from a `250 2.0.0 Ok: queued as ID` reply (str or bytes), or None."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    m = QUEUED.search(text)
    return m.group(1) if m else None


def assert_stored_as_sent(test, raw, sent, hostname="mail.example.test"):
    """raw is what `read --json` returned: the fields we prepend (our Received: and
    Authentication-Results:, nothing else), then the sender's message byte for byte."""
    test.assertTrue(raw.endswith(sent), f"stored message does not end with what was sent:\n"
                    f"stored {raw[:700]!r}…{raw[-200:]!r}\nsent   {sent[:300]!r}…{sent[-200:]!r}")
    prefix = raw[:len(raw) - len(sent)]
    test.assertTrue(prefix.endswith(b"\r\n"), prefix)
    names = []
    for line in prefix[:-2].split(b"\r\n"):
        test.assertRegex(line, HEADER_LINE, prefix)
        if line[:1] not in (b" ", b"\t"):
            names.append(line.split(b":", 1)[0].lower())
    test.assertEqual(names.count(b"received"), 1, prefix)
    test.assertLessEqual(set(names), {b"received", b"authentication-results"}, prefix)
    test.assertRegex(prefix, rb"\r\n\tby " + re.escape(hostname.encode())
                     + rb" \(sealmail\) with (ESMTP|UTF8SMTP)S?;", prefix)


class MailClient:
    """One SEALMAIL_HOME with accounts created (and logged in) on one server."""

    def __init__(self, test, server):
        self.test = test
        self.server = server
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-home-"))
        test.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        self.env = dict(os.environ, SEALMAIL_HOME=str(self.home),
                        SEALMAIL_CONFIG=str(server.config))
        self.passwords = {}

    @property
    def url(self):
        host, port = self.server.endpoints["api"]
        return f"https://{host}:{port}"

    def run(self, *args, stdin="", check=True, timeout=120):
        result = subprocess.run([SEALMAIL, *args], capture_output=True, text=True, input=stdin,
                                env=self.env, timeout=timeout)
        if check:
            self.test.assertEqual(result.returncode, 0, f"sealmail {args}: {result.stderr}")
        return result

    def create(self, address):
        password = f"long password of {address}"
        code = self.run("user", "invite").stdout.strip()
        result = self.run("account", "create", address, "--server", self.url, "--invite", code,
                          stdin=f"{password}\n{password}\n")
        self.test.assertIn(f"created {address}", result.stdout)
        self.passwords[address] = password
        return password

    def list(self, address, folder="inbox", page=1000, max_pages=100):
        """Every summary in the folder, newest first (paged with --offset)."""
        found = []
        for _ in range(max_pages):
            result = self.run("list", "--json", "--address", address, "--folder", folder,
                              "--limit", str(page), "--offset", str(len(found)),
                              stdin=self.passwords[address] + "\n")
            batch = json.loads(result.stdout or "[]")
            found += batch
            if len(batch) < page:
                return found
        self.test.fail(f"more than {page * max_pages} messages in {address}'s {folder}")

    def read(self, address, ids, check=True):
        """{id: summary + "raw" (bytes)} for the ids, decrypted by one `sealmail read`."""
        result = self.run("read", "--json", "--address", address, *ids,
                          stdin=self.passwords[address] + "\n", check=check)
        if result.returncode != 0:
            return result
        entries = json.loads(result.stdout)
        for entry in entries:
            entry["raw"] = base64.b64decode(entry["raw_base64"])
        return {entry["id"]: entry for entry in entries}

    def read_one(self, address, message_id):
        entry = self.read(address, [message_id])
        self.test.assertEqual(list(entry), [message_id])
        return entry[message_id]

    def wait_listed(self, address, message_id_header, timeout=30.0):
        """The summary whose Message-ID is message_id_header, once listed (polls, bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            for summary in self.list(address):
                if summary["message_id"] == message_id_header:
                    return summary
            if time.monotonic() > deadline:
                return None
            time.sleep(0.5)
