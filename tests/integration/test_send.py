"""Sending between two accounts of one server: `sealmail send` encrypts and signs on the
client, the recipient reads it with the signature verified, the sender keeps a Sent copy, and
neither the subject, the body nor the attachment is readable anywhere on the server."""
import base64
import json
import os
import pathlib
import subprocess
import tempfile
import time
import unittest

from harness import SEALMAIL, SealmailServer
from mail import MailClient
from peers.gpg import Gpg

CANARY = "SendCanary4f2a9c"


class SendTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(
            self, config_overrides={("plans.default", "max_message"): '"8 MiB"'}).start()
        self.mail = MailClient(self, self.server)
        for address in ("alice@example.test", "bob@example.test", "carol@example.test"):
            self.mail.create(address)

    def send(self, *args, body="", check=True):
        return self.mail.run("send", "--address", "alice@example.test", *args,
                             stdin=self.mail.passwords["alice@example.test"] + "\n" + body,
                             check=check)

    def test_alice_sends_bob_and_carol_an_attachment(self):
        attachment = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-attach-")) / f"{CANARY}.bin"
        # 5 MiB, every byte value, with the canary in it.
        data = (f"{CANARY} in the attachment\n".encode() + bytes(range(256))) * 18725
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
        self.assert_no_canary_on_the_server()

    def assert_no_canary_on_the_server(self):
        needles = [CANARY.encode()] + [base64.b64encode(pad + CANARY.encode())[4:-4]
                                       for pad in (b"", b"x", b"xy")]
        for path in self.server.dir.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for needle in needles:
                    self.assertNotIn(needle, content, path)

    def test_outside_recipients_get_pgp_mime_with_a_pinned_key_else_signed_cleartext(self):
        gpg = Gpg(self)
        carol_key = gpg.generate("carol@outside.test")
        self.mail.run("contacts", "add", "carol@outside.test", "--key", str(carol_key))
        sent = json.loads(self.send("--to", "bob@example.test", "--to", "carol@outside.test",
                                    "--cc", "dave@outside.test", "--subject", f"Hello {CANARY}",
                                    "--json", body=f"Dear all, {CANARY} here.\n").stdout)
        self.assertEqual(sent["end_to_end"], ["bob@example.test"])
        queued = {tuple(q["recipients"]): q for q in sent["queued"]}
        self.assertEqual(queued[("carol@outside.test",)]["encryption"], "pgp")
        self.assertEqual(queued[("dave@outside.test",)]["encryption"], "none")

        listed = json.loads(self.mail.run("queue", "list", "--json").stdout)
        self.assertEqual(sorted(j["id"] for j in listed), sorted(q["id"] for q in sent["queued"]))
        for job in listed:
            self.assertEqual(job["sender"], "alice@example.test")

        # carol's copy: PGP/MIME that gpg decrypts, with alice's signature good.
        gpg.import_key(self.mail.run("keys", "export", "alice@example.test").stdout)
        for_carol = subprocess.run(
            [SEALMAIL, "queue", "show", queued[("carol@outside.test",)]["id"]],
            capture_output=True, env=self.mail.env, timeout=60, check=True).stdout
        self.assertIn(b"multipart/encrypted", for_carol)
        self.assertNotIn(CANARY.encode(), for_carol)
        plain, status = gpg.decrypt(for_carol)
        self.assertIn(f"Dear all, {CANARY} here.".encode(), plain)
        self.assertIn(f"Hello {CANARY}".encode(), plain)  # the real subject, protected inside
        self.assertIn("[GNUPG:] GOODSIG", status)
        self.assertIn("[GNUPG:] DECRYPTION_OKAY", status)

        # dave's copy: readable, signed, offering alice's key by Autocrypt.
        for_dave = subprocess.run(
            [SEALMAIL, "queue", "show", queued[("dave@outside.test",)]["id"]],
            capture_output=True, env=self.mail.env, timeout=60, check=True).stdout
        self.assertIn(f"Dear all, {CANARY} here.".encode(), for_dave)
        self.assertIn(b"multipart/signed", for_dave)
        self.assertIn(b"Autocrypt: addr=alice@example.test", for_dave)

        # alice's Sent copy names everyone; bob got his copy end to end.
        self.assertEqual([m["id"] for m in self.mail.list("alice@example.test", folder="sent")],
                         [sent["sent_id"]])
        self.assertEqual(len(self.mail.list("bob@example.test")), 1)

        # The administrator: retry makes a job due now, delete removes it unsent.
        dave_job = queued[("dave@outside.test",)]["id"]
        self.assertIn(f"{dave_job}: due now", self.mail.run("queue", "retry", dave_job).stdout)
        self.assertIn(f"{dave_job}: deleted", self.mail.run("queue", "delete", dave_job).stdout)
        self.assertEqual([j["id"] for j in json.loads(self.mail.run("queue", "list",
                                                                    "--json").stdout)],
                         [queued[("carol@outside.test",)]["id"]])
        gone = self.mail.run("queue", "delete", dave_job, check=False)
        self.assertNotEqual(gone.returncode, 0)
        self.assertIn(f"no queued message {dave_job}", gone.stderr)

        # Queued mail is sealed: nothing readable on the server's disk.
        self.server.terminate()
        self.assert_no_canary_on_the_server()

    def test_a_contact_that_must_be_encrypted_and_has_no_key_stops_the_message(self):
        self.mail.run("contacts", "add", "erin@outside.test", "--encrypt", "always")
        refused = self.send("--to", "bob@example.test", "--to", "erin@outside.test", body="x\n",
                            check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("has no key", refused.stderr)
        self.assertEqual(self.mail.list("bob@example.test"), [])
        self.assertEqual(json.loads(self.mail.run("queue", "list", "--json").stdout), [])

    def test_a_message_over_the_plans_limit_is_refused(self):
        attachment = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-attach-")) / "big.bin"
        attachment.write_bytes(bytes(range(256)) * 4096 * 7)  # 7 MiB: 9.3 MiB in base64
        refused = self.send("--to", "bob@example.test", "--attach", str(attachment), body="x\n",
                            check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("up to 8 MiB", refused.stderr)
        self.assertEqual(self.mail.list("bob@example.test"), [])

    def test_a_reply_keeps_the_thread_and_an_expiring_message_says_when(self):
        first = json.loads(self.send("--to", "bob@example.test", "--subject", "Lunch?",
                                     "--expires", "2h", "--json", body="Noon?\n").stdout)
        listed = self.mail.list("bob@example.test")
        now_ms = time.time() * 1000
        for copy in listed + self.mail.list("alice@example.test", folder="sent"):
            self.assertGreater(copy["expires_ms"], now_ms + 1.9 * 3600 * 1000)
            self.assertLess(copy["expires_ms"], now_ms + 2.1 * 3600 * 1000)

        self.mail.run("send", "--address", "bob@example.test", "--reply", first["id"],
                      stdin=self.mail.passwords["bob@example.test"] + "\nYes.\n")
        replies = self.mail.list("alice@example.test")
        self.assertEqual([m["subject"] for m in replies], ["Re: Lunch?"])
        raw = self.mail.read_one("alice@example.test", replies[0]["id"])["raw"]
        self.assertIn(f"In-Reply-To: <{first['message_id']}>".encode(), raw)
        self.assertIn(f"References: <{first['message_id']}>".encode(), raw)

        self.mail.run("send", "--address", "bob@example.test", "--forward", first["id"],
                      "--to", "carol@example.test",
                      stdin=self.mail.passwords["bob@example.test"] + "\nSee below.\n")
        forwarded = self.mail.list("carol@example.test")
        self.assertEqual([m["subject"] for m in forwarded], ["Fwd: Lunch?"])
        raw = self.mail.read_one("carol@example.test", forwarded[0]["id"])["raw"]
        self.assertIn(b"message/rfc822", raw)
        self.assertIn(b"Noon?", raw)

        bad = self.send("--to", "bob@example.test", "--expires", "soon", body="x\n", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("--expires", bad.stderr)

    def test_a_draft_is_kept_encrypted_edited_and_sent_from_drafts(self):
        attachment = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-attach-")) / "notes.txt"
        attachment.write_text(f"notes {CANARY}\n")
        saved = json.loads(self.mail.run(
            "draft", "--address", "alice@example.test", "--to", "bob@example.test",
            "--bcc", "carol@example.test", "--subject", f"Draft {CANARY}", "--attach",
            str(attachment), "--json",
            stdin=self.mail.passwords["alice@example.test"] + f"\nFirst words {CANARY}.\n").stdout)
        drafts = self.mail.list("alice@example.test", folder="drafts")
        self.assertEqual([(m["id"], m["subject"]) for m in drafts],
                         [(saved["id"], f"Draft {CANARY}")])
        self.assertEqual(self.mail.list("bob@example.test"), [])  # a draft goes nowhere
        shown = self.mail.run("read", "--address", "alice@example.test", saved["id"],
                              stdin=self.mail.passwords["alice@example.test"] + "\n").stdout
        self.assertIn("Bcc: carol@example.test", shown)
        self.assertIn(f"First words {CANARY}.", shown)
        self.assertIn("signature verified", shown)

        # Edited: a new subject and text; recipients and the attachment stay.
        text = pathlib.Path(attachment.parent) / "text.txt"
        text.write_text(f"Final words {CANARY}.\n")
        edited = json.loads(self.mail.run(
            "draft", "--address", "alice@example.test", "--edit", saved["id"], "--subject",
            f"Final {CANARY}", "--text", str(text), "--json",
            stdin=self.mail.passwords["alice@example.test"] + "\n").stdout)
        self.assertEqual([m["id"] for m in self.mail.list("alice@example.test", folder="drafts")],
                         [edited["id"]])

        # The draft's store rows hold nothing readable, and neither does the rest.
        self.assert_no_canary_on_the_server()

        refused = self.send("--draft", edited["id"], "--to", "dan@example.test", check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("sealmail draft --edit", refused.stderr)
        sent = json.loads(self.send("--draft", edited["id"], "--json").stdout)
        self.assertEqual(sorted(sent["end_to_end"]), ["bob@example.test", "carol@example.test"])
        self.assertEqual(self.mail.list("alice@example.test", folder="drafts"), [])
        for reader in ("bob@example.test", "carol@example.test"):
            listed = self.mail.list(reader)
            self.assertEqual([m["subject"] for m in listed], [f"Final {CANARY}"])
            self.assertEqual([a["filename"] for a in listed[0]["attachments"]], ["notes.txt"])
            raw = self.mail.read_one(reader, listed[0]["id"])["raw"]
            self.assertIn(f"Final words {CANARY}.".encode(), raw)
            self.assertNotIn(b"First words", raw)
            self.assertNotIn(b"carol@example.test", raw)  # the draft's Bcc is not sent
        # Sent once: the draft is gone.
        again = self.send("--draft", edited["id"], check=False)
        self.assertNotEqual(again.returncode, 0)
        self.assertEqual(len(self.mail.list("bob@example.test")), 1)

    def token(self, address):
        account = json.loads((self.mail.home / "accounts" / f"{address}.json").read_text())
        return account["access_token"]

    def upload(self, address, body, content_type="application/octet-stream"):
        headers = {"Content-Type": content_type}
        if address:
            headers["Authorization"] = f"Bearer {self.token(address)}"
        status, _, reply = self.server.api_request("POST", "/api/v1/uploads", body, headers)
        return status, json.loads(reply or b"{}")

    def test_large_bodies_are_uploaded_raw_and_streamed_to_the_store(self):
        # A 3 MiB attachment: its data packet goes ahead as an upload, not base64 in the JSON.
        attachment = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-attach-")) / "big.bin"
        attachment.write_bytes(bytes(range(256)) * 4096 * 3)
        sent = json.loads(self.send("--to", "bob@example.test", "--attach", str(attachment),
                                    "--json", body="Big one.\n").stdout)
        self.assertIn(base64.b64encode(attachment.read_bytes()[:57]),
                      self.mail.read_one("bob@example.test", sent["id"])["raw"])
        # Read back raw too, in pieces, not in base64 inside the JSON.
        self.assertIn("GET /api/v1/messages/{id}/data status=200", self.server.log.read_text())
        # The server's log line for the upload: one request, the packet's bytes raw — the MIME
        # message (the attachment in base64, 4/3) encrypted, not base64 of that again in JSON.
        uploads = lambda: [line for line in self.server.log.read_text().splitlines()
                           if "POST /api/v1/uploads status=201" in line]
        self.assertEqual(len(uploads()), 1)
        size_in = int(uploads()[0].split(" in=")[1].split()[0])
        self.assertGreater(size_in, len(attachment.read_bytes()))
        self.assertLess(size_in, len(attachment.read_bytes()) * 1.4)
        small = json.loads(self.send("--to", "bob@example.test", "--json", body="Small.\n").stdout)
        self.assertTrue(small["id"])
        self.assertEqual(len(uploads()), 1)  # small ones go inline

        packet = b"\xd2" + bytes(1000)  # looks like a SEIPD packet
        self.assertEqual(self.upload(None, packet)[0], 401)
        self.assertEqual(self.upload("alice@example.test", packet, "application/json")[0], 415)
        status, reply = self.upload("alice@example.test", b"Dear Bob, plaintext by mistake")
        self.assertEqual((status, reply["error"]["message"]),
                         (400, "an upload is an OpenPGP encrypted data packet"))
        status, reply = self.upload("alice@example.test", b"\xd2" + bytes((8 << 20) + 1000))
        self.assertEqual((status, reply["error"]["code"]), (413, "message_too_large"))
        status, reply = self.upload("alice@example.test", packet)
        self.assertEqual((status, reply["size"]), (201, len(packet)))

        # Bob cannot send what alice uploaded.
        self.mail.run("login", "bob@example.test", stdin=self.mail.passwords["bob@example.test"] + "\n")
        status, _, body = self.server.api_request(
            "POST", "/api/v1/drafts", json.dumps({
                "from": "bob@example.test", "data_packet_upload": reply["upload"],
                "key_packets": "a2V5cw==", "summary_data_packet": "c3VtbWFyeQ==",
                "summary_key_packets": "a2V5cw=="}).encode(),
            {"Content-Type": "application/json",
             "Authorization": f"Bearer {self.token('bob@example.test')}"})
        self.assertEqual((status, json.loads(body)["error"]["code"]), (404, "upload_not_found"))
        # Nothing is left in the spool.
        self.assertEqual(list((self.server.dir / "data" / "spool").iterdir()), [])

    def test_a_large_upload_is_never_in_the_servers_memory_whole(self):
        self.server.terminate()
        self.server = SealmailServer(
            self, config_overrides={("plans.default", "max_message"): '"64 MiB"'}).start()
        self.mail = MailClient(self, self.server)
        self.mail.create("alice@example.test")

        def peak_rss():  # VmHWM: the most the server's resident memory has ever been
            status = pathlib.Path(f"/proc/{self.server.process.pid}/status").read_text()
            return int(next(line.split()[1] for line in status.splitlines()
                            if line.startswith("VmHWM:"))) * 1024

        before = peak_rss()
        packet = b"\xd2" + os.urandom(48 << 20)  # 48 MiB
        status, reply = self.upload("alice@example.test", packet)
        self.assertEqual((status, reply["size"]), (201, len(packet)))
        grown = peak_rss() - before
        # In one piece it would take 48 MiB at least (in base64 JSON, three times that).
        self.assertLess(grown, 16 << 20, f"the server's peak grew by {grown >> 20} MiB")

    def test_refusals(self):
        unknown = self.send("--to", "nobody@example.test", body="x\n", check=False)
        self.assertNotEqual(unknown.returncode, 0)
        foreign = self.send("--from", "bob@example.test", "--to", "bob@example.test", body="x\n",
                            check=False)
        self.assertNotEqual(foreign.returncode, 0)
        self.assertIn("not one of your addresses", foreign.stderr)
        self.assertEqual(self.mail.list("bob@example.test"), [])


if __name__ == "__main__":
    unittest.main()
