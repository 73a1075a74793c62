"""Zero access on arrival: messages carrying a unique canary (subject, body, attachment file name
and content, RFC 2047 encoded subject) arrive by plain SMTP, STARTTLS and through Postfix; the
recipient can decrypt them (so the test can fail), and once the server has stopped no file it
wrote — store, WAL, log, TLS folder, its TMPDIR — holds the canary, raw or encoded."""
import base64
import email.message
import os
import pathlib
import shutil
import smtplib
import ssl
import tempfile
import unittest
import uuid

from harness import SealmailServer
from mail import MailClient, queued_id
from peers.swaks import swaks

HAVE_SWAKS = shutil.which("swaks") is not None
HAVE_POSTFIX = os.geteuid() == 0 and shutil.which("postfix") is not None
ALICE = "alice@example.test"


def encoded_forms(canary):
    """The canary as bytes, and every form it could take inside stored text: base64 at the
    three alignments (only the characters that depend on the canary alone), hex. Its
    quoted-printable and RFC 2047 Q forms are the canary itself (letters and digits only)."""
    raw = canary.encode()
    forms = {"raw": raw, "hex": raw.hex().encode()}
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        start = 4 if shift else 0
        end = (shift + len(raw)) // 3 * 4
        forms[f"base64+{shift}"] = encoded[start:end]
    return forms


@unittest.skipUnless(HAVE_SWAKS, "needs swaks")
class MxCanaryTest(unittest.TestCase):
    def test_no_plaintext_at_rest(self):
        canary = "Canary" + uuid.uuid4().hex + "Zq"
        forms = encoded_forms(canary)
        self.assertEqual(forms["raw"].decode(), canary)
        tmp = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-canary-tmp-"))
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        server = SealmailServer(self)
        server.start(env=dict(os.environ, TMPDIR=str(tmp)))
        port = server.endpoints["mx"][1]
        client = MailClient(self, server)
        client.create(ALICE)

        ids = {}
        text = (f"From: s@client.test\nTo: {ALICE}\nSubject: plain {canary}\n\n"
                f"The body says {canary}.\n")
        for name, tls in (("plain", False), ("starttls", True)):
            code, transcript = swaks(port, ALICE, data=text, tls=tls)
            self.assertEqual(code, 0, transcript)
            ids[name] = queued_id(transcript)

        # Multipart with a base64 attachment named after the canary, and an RFC 2047 subject
        # (non-ASCII forces the encoding) over quoted-printable text.
        message = email.message.EmailMessage()
        message["From"] = "s@client.test"
        message["To"] = ALICE
        message["Subject"] = f"Grüße {canary}"
        message.set_content(f"Grüße, {canary}, grüne Grüße.\n", cte="quoted-printable")
        message.add_attachment(f"attached {canary}\n".encode() * 20, maintype="application",
                               subtype="octet-stream", filename=f"{canary}.bin")
        flat = message.as_bytes()
        self.assertIn(b"=?utf-8?", flat)  # the subject is encoded ...
        self.assertNotIn(f"attached {canary}".encode(), flat)  # ... and the attachment too
        context = ssl.create_default_context(cafile=str(server.cert))
        context.check_hostname = False
        with smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10) as smtp:
            smtp.starttls(context=context)
            smtp.send_message(message)
        listed = {s["subject"]: s["id"] for s in client.list(ALICE)}
        ids["multipart"] = listed.get(f"Grüße {canary}")

        if HAVE_POSTFIX:
            from peers.postfix import PostfixInstance
            relayed = text.replace("Subject: plain", "Subject: relayed")
            with PostfixInstance("relay", domain="example.test", relay_to=("127.0.0.1", port),
                                 tls="may") as mta:
                code, transcript = swaks(mta.port, ALICE, data=relayed)
                self.assertEqual(code, 0, transcript)
                for _ in range(60):  # bounded: ≤ 60 polls of ~0.5 s
                    listed = {s["subject"]: s["id"] for s in client.list(ALICE)}
                    if f"relayed {canary}" in listed:
                        break
                    mta.wait_queue_empty(0.5)
                ids["postfix"] = listed.get(f"relayed {canary}")

        # Positive control: the recipient decrypts every one and sees the canary.
        self.assertNotIn(None, ids.values(), ids)
        entries = client.read(ALICE, list(ids.values()))
        for name, queue_id in ids.items():
            entry = entries[queue_id]
            self.assertIn(canary, entry["subject"], name)
            self.assertIn(forms["raw"], entry["raw"], name)
        multipart = entries[ids["multipart"]]
        self.assertIn(f"{canary}.bin", str(multipart["attachments"]))
        self.assertIn(b"Subject: =?utf-8?", multipart["raw"])
        # The needles find the base64 attachment in the plaintext (so they would on disk).
        self.assertTrue(any(form in multipart["raw"].replace(b"\n", b"").replace(b"\r", b"")
                            for name, form in forms.items() if name.startswith("base64")))

        # While running (the WAL and shm files are there) and after a clean stop.
        running = self.scan(forms, (server.dir, tmp))
        self.assertIn("sealmail.db-wal", running)
        self.assertEqual(server.terminate(), 0)
        stopped = self.scan(forms, (server.dir, tmp))
        self.assertNotIn(canary, "".join(server.output))
        self.assertLessEqual({"sealmail.db", "sealmail.log", "cert.pem"}, set(stopped))
        print(f"\n{len(ids)} messages decrypted; no canary ({len(forms)} forms) in "
              f"{len(running)} files while running, {len(stopped)} after stopping: "
              f"{sorted(set(running) | set(stopped))}")

    def scan(self, forms, roots):
        """Names of the files scanned; fails on the first one holding a form of the canary."""
        scanned = []
        for root in roots:
            for path in root.rglob("*"):
                if not path.is_file() or path.is_symlink():
                    continue
                data = path.read_bytes()
                joined = data.replace(b"\r", b"").replace(b"\n", b"")
                scanned.append(path.name)
                for name, form in forms.items():
                    self.assertNotIn(form, data, f"{name} canary in {path}")
                    self.assertNotIn(form, joined, f"{name} canary (unwrapped) in {path}")
        return scanned


if __name__ == "__main__":
    unittest.main()
