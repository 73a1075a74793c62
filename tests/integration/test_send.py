"""Sending between two accounts of one server: `sealmail send` encrypts and signs on the
client, the recipient reads it with the signature verified, the sender keeps a Sent copy, and
neither the subject, the body nor the attachment is readable anywhere on the server."""
import base64
import json
import pathlib
import subprocess
import tempfile
import unittest

from harness import SealmailServer
from mail import MailClient

CANARY = "SendCanary4f2a9c"


class SendTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(self).start()
        self.mail = MailClient(self, self.server)
        for address in ("alice@example.test", "bob@example.test", "carol@example.test"):
            self.mail.create(address)

    def send(self, *args, body="", check=True):
        return self.mail.run("send", "--address", "alice@example.test", *args,
                             stdin=self.mail.passwords["alice@example.test"] + "\n" + body,
                             check=check)

    def test_alice_sends_bob_and_carol_an_attachment(self):
        attachment = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-attach-")) / f"{CANARY}.bin"
        data = bytes(range(256)) * 2048  # 512 KiB, every byte value
        attachment.write_bytes(data)
        sent = json.loads(self.send("--to", "bob@example.test", "--bcc", "carol@example.test",
                                    "--subject", f"Plans {CANARY}", "--attach", str(attachment),
                                    "--json", body=f"Hi Bob, {CANARY} body.\n").stdout)
        self.assertEqual(sorted(sent["end_to_end"]), ["bob@example.test", "carol@example.test"])

        for reader in ("bob@example.test", "carol@example.test"):
            listed = self.mail.list(reader)
            self.assertEqual([m["subject"] for m in listed], [f"Plans {CANARY}"])
            self.assertEqual(listed[0]["attachments"][0]["filename"], f"{CANARY}.bin")
            message = self.mail.read_one(reader, listed[0]["id"])
            self.assertTrue(message["signed_by_sender"], reader)
            raw = message["raw"]
            self.assertIn(f"Hi Bob, {CANARY} body.".encode(), raw)
            self.assertIn(base64.b64encode(data[:57]), raw)  # the attachment's first line
            self.assertNotIn(b"carol@example.test", raw)    # Bcc stays hidden
        shown = self.mail.run("read", "--address", "bob@example.test", sent["id"],
                              stdin=self.mail.passwords["bob@example.test"] + "\n").stdout
        self.assertIn("signed by alice@example.test (signature verified)", shown)

        sent_copy = self.mail.list("alice@example.test", folder="sent")
        self.assertEqual([m["id"] for m in sent_copy], [sent["sent_id"]])
        self.assertTrue(self.mail.read_one("alice@example.test", sent["sent_id"])["signed_by_sender"])

        # The body is stored once for all three copies (bob, carol, alice's Sent).
        self.server.terminate()
        db = self.server.dir / "data" / "sealmail.db"
        count = lambda sql: int(subprocess.run(["sqlite3", str(db), sql], capture_output=True,
                                                text=True, check=True).stdout)
        self.assertEqual(count("SELECT count(*) FROM messages"), 3)
        self.assertEqual(count("SELECT count(*) FROM bodies"), 1)
        self.assertEqual(count("SELECT refs FROM bodies"), 3)
        self.assertGreater(count("SELECT length(data_packet) FROM bodies"), len(data))

        # Nothing readable on the server's side.
        needles = [CANARY.encode()] + [base64.b64encode(pad + CANARY.encode())[4:-4]
                                       for pad in (b"", b"x", b"xy")]
        for path in self.server.dir.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for needle in needles:
                    self.assertNotIn(needle, content, path)

    def test_refusals(self):
        outside = self.send("--to", "dave@outside.test", "--subject", "x", body="x\n", check=False)
        self.assertNotEqual(outside.returncode, 0)
        self.assertIn("not on this server", outside.stderr)
        unknown = self.send("--to", "nobody@example.test", body="x\n", check=False)
        self.assertNotEqual(unknown.returncode, 0)
        foreign = self.send("--from", "bob@example.test", "--to", "bob@example.test", body="x\n",
                            check=False)
        self.assertNotEqual(foreign.returncode, 0)
        self.assertIn("not one of your addresses", foreign.stderr)
        self.assertEqual(self.mail.list("bob@example.test"), [])


if __name__ == "__main__":
    unittest.main()
