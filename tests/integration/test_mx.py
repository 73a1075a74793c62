"""The MX role against real SMTP peers: swaks, Python's smtplib, Postfix as the remote MTA, and
raw sockets for BDAT and SMTP smuggling. Every accepted message is read back with
`sealmail read --json` and must be the sender's bytes exactly, after the header fields we
prepend; every refusal is checked by its reply code."""
import email.message
import email.policy
import os
import re
import shutil
import smtplib
import socket
import ssl
import unittest
import uuid

from harness import SealmailServer
from mail import MailClient, assert_stored_as_sent, queued_id
from peers.swaks import swaks

HAVE_SWAKS = shutil.which("swaks") is not None
HAVE_POSTFIX = os.geteuid() == 0 and shutil.which("postfix") is not None
DOMAIN = "example.test"
ALICE, BOB, CAROL = f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"carol@{DOMAIN}"
LIMIT = 64 * 1024  # [mx] max_message_bytes below


class RecordingSMTP(smtplib.SMTP):
    """smtplib that keeps the exact bytes it sent as DATA and the reply to the final dot."""

    def data(self, msg):
        self.sent = msg if isinstance(msg, bytes) else msg.encode("ascii")
        code, reply = super().data(msg)
        self.reply = (code, reply)
        return code, reply


def crlf(text):
    """The bytes swaks sends for text given to it with "\\n" line ends (without its last
    "\\n": swaks always ends the data with CRLF before the dot)."""
    return text.replace("\n", "\r\n").encode()


def stored_form(data):
    """What a DATA client's message becomes once received: CRLF-terminated, unstuffed."""
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class Smtp:
    """A raw SMTP connection: send bytes, read one (multi-line) reply."""

    def __init__(self, port, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")
        self.greeting = self.reply()

    def reply(self):
        lines = []
        for _ in range(100):
            line = self.file.readline(4096)
            if not line:
                raise ConnectionError(f"closed after {lines!r}")
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if line[3:4] != b"-":
                return "\n".join(lines)
        raise AssertionError(f"reply too long: {lines!r}")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.file.close()
        self.sock.close()


@unittest.skipUnless(HAVE_SWAKS, "needs swaks")
class MxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The harness wants a TestCase to own cleanups: this one owns the class-wide ones.
        cls.scope = unittest.TestCase()
        cls.addClassCleanup(cls.scope.doCleanups)
        cls.server = SealmailServer(cls.scope, domain=DOMAIN, config_overrides={
            ("mx", "max_message_bytes"): '"64 KiB"'}).start()
        cls.mx_port = cls.server.endpoints["mx"][1]
        cls.client = MailClient(cls.scope, cls.server)
        cls.client.create(ALICE)
        cls.client.create(BOB)
        cls.client.create(CAROL)

    def setUp(self):
        self.client.test = self  # assertions inside the helpers fail this test

    def swaks(self, to, data=None, expect=0, port=None, **kwargs):
        if data is not None and data.endswith("\n"):
            data = data[:-1]  # swaks adds the CRLF before the dot itself
        code, transcript = swaks(port or self.mx_port, to, data=data, **kwargs)
        self.assertEqual(code, expect, transcript)
        return transcript

    def deliver_with_swaks(self, text, to=ALICE, **kwargs):
        """swaks sends text ("\\n" line ends; it sends CRLF); returns (queue id, sent bytes)."""
        queue_id = queued_id(self.swaks(to, data=text, **kwargs))
        self.assertIsNotNone(queue_id)
        return queue_id, crlf(text)

    def check_stored(self, address, deliveries):
        """deliveries: [(queue id, sent bytes)] — read them back in one `sealmail read`."""
        entries = self.client.read(address, [queue_id for queue_id, _ in deliveries])
        for queue_id, sent in deliveries:
            self.assertIn(queue_id, entries)
            self.assertEqual(entries[queue_id]["address"], address)
            assert_stored_as_sent(self, entries[queue_id]["raw"], sent)
        return entries

    @staticmethod
    def message(subject, body="Hello.\n", extra=""):
        return (f"From: Sender <sender@client.test>\nTo: {ALICE}\nSubject: {subject}\n"
                f"Message-ID: <{uuid.uuid4().hex}@client.test>\n{extra}"
                f"MIME-Version: 1.0\n\n{body}")

    # swaks ---------------------------------------------------------------------------------

    def test_swaks_plain_pipelining_and_starttls(self):
        body = "first line\n..a line that began with a dot\n.\n  indented\n\nlast\n"
        plain = self.deliver_with_swaks(self.message("plain", body))
        text = self.message("pipelined", body)
        transcript = self.swaks(ALICE, data=text, extra=["--pipeline"])
        self.assertRegex(transcript, r"<-  250-PIPELINING")
        self.assertIn("-> ...a line that began with a dot", transcript)  # swaks stuffed it
        pipelined = (queued_id(transcript), crlf(text))
        text = self.message("starttls", body)
        transcript = self.swaks(ALICE, data=text, tls=True, tls_verify=True,
                                ca_file=self.server.cert,
                                extra=["--tls-sni", self.server.hostname])
        self.assertIn("TLS started", transcript)
        starttls = (queued_id(transcript), crlf(text))
        entries = self.check_stored(ALICE, [plain, pipelined, starttls])
        # The dot-stuffed lines arrive unstuffed.
        self.assertIn(b"\r\n..a line that began with a dot\r\n.\r\n", entries[plain[0]]["raw"])
        self.assertEqual(entries[starttls[0]]["subject"], "starttls")

    def test_8bit_body(self):
        body = "Grüße aus Köln — 8-bit, no transfer encoding.\nÆØÅ æøå ß 日本語\n"
        extra = "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n"
        # swaks has no BODY=8BITMIME option (20201014): it sends the 8-bit body plainly.
        plain = self.deliver_with_swaks(self.message("8bit via swaks", body, extra))
        # smtplib declares it: MAIL FROM:<…> BODY=8BITMIME.
        data = self.message("8bit declared", body, extra).replace("\n", "\r\n").encode()
        with RecordingSMTP("127.0.0.1", self.mx_port, local_hostname="client.test",
                           timeout=10) as smtp:
            smtp.ehlo()
            self.assertTrue(smtp.has_extn("8bitmime"))
            smtp.sendmail("sender@client.test", [ALICE], data, mail_options=["BODY=8BITMIME"])
            self.assertEqual(smtp.reply[0], 250)
            declared = (queued_id(smtp.reply[1]), stored_form(data))
        entries = self.check_stored(ALICE, [plain, declared])
        for queue_id, _ in (plain, declared):
            self.assertIn("Grüße aus Köln", entries[queue_id]["snippet"])

    def test_smtputf8(self):
        sender = "jörg@bücher.test"
        data = (f"From: Jörg <{sender}>\r\nTo: {ALICE}\r\nSubject: Grüße, ünïcödé ✓\r\n"
                f"Message-ID: <{uuid.uuid4().hex}@bücher.test>\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n").encode()
        with RecordingSMTP("127.0.0.1", self.mx_port, local_hostname="client.test",
                           timeout=10) as smtp:
            smtp.ehlo()
            self.assertTrue(smtp.has_extn("smtputf8"))
            # A UTF-8 address without SMTPUTF8 is refused (RFC 6531 §3.4).
            smtp.command_encoding = "utf-8"
            self.assertEqual(smtp.mail(sender), (553, b"5.6.7 Non-ASCII address needs SMTPUTF8"))
            smtp.rset()
            smtp.sendmail(sender, [ALICE], data, mail_options=["SMTPUTF8", "BODY=8BITMIME"])
            queue_id = queued_id(smtp.reply[1])
        entry = self.check_stored(ALICE, [(queue_id, data)])[queue_id]
        self.assertEqual(entry["subject"], "Grüße, ünïcödé ✓")
        self.assertEqual(entry["from"][0]["addr"], sender)
        self.assertIn(b"(sealmail) with UTF8SMTP;", entry["raw"])  # RFC 6531 §3.7.3

    def test_chunking(self):
        # BDAT data is taken as is: no dot-stuffing, a lone "." line is just data.
        data = (f"From: sender@client.test\r\nTo: {ALICE}\r\nSubject: chunked\r\n"
                f"Message-ID: <{uuid.uuid4().hex}@client.test>\r\n\r\n"
                "part one\r\n.\r\n..two dots stay two\r\nQUIT\r\n" + ("x" * 998 + "\r\n") * 3
                + "end\r\n"
                ).encode()
        chunks = [data[:7], data[7:60], data[60:61], data[61:]]
        smtp = Smtp(self.mx_port)
        try:
            self.assertIn("CHUNKING", smtp.cmd("EHLO client.test"))
            self.assertTrue(smtp.cmd("MAIL FROM:<sender@client.test>").startswith("250"))
            self.assertTrue(smtp.cmd(f"RCPT TO:<{ALICE}>").startswith("250"))
            for chunk in chunks:
                smtp.send(b"BDAT %d\r\n" % len(chunk) + chunk)
                self.assertEqual(smtp.reply(), f"250 2.0.0 {len(chunk)} octets received")
            smtp.send(b"BDAT 0 LAST\r\n")
            final = smtp.reply()
            queue_id = queued_id(final)
            self.assertIsNotNone(queue_id, final)
            # Pipelined BDAT (RFC 3030 allows it): all chunks in one write.
            self.assertTrue(smtp.cmd("MAIL FROM:<sender@client.test>").startswith("250"))
            self.assertTrue(smtp.cmd(f"RCPT TO:<{ALICE}>").startswith("250"))
            smtp.send(b"BDAT 100\r\n" + data[:100] + b"BDAT %d LAST\r\n" % (len(data) - 100)
                      + data[100:])
            self.assertEqual(smtp.reply(), "250 2.0.0 100 octets received")
            pipelined = queued_id(smtp.reply())
            self.assertTrue(smtp.cmd("QUIT").startswith("221"))
        finally:
            smtp.close()
        self.check_stored(ALICE, [(queue_id, data), (pipelined, data)])

    def test_oversize(self):
        smtp = Smtp(self.mx_port)
        try:
            self.assertIn(f"SIZE {LIMIT}", smtp.cmd("EHLO client.test"))
            self.assertRegex(smtp.cmd(f"MAIL FROM:<s@client.test> SIZE={LIMIT + 1}"),
                             r"^552 5\.3\.4 ")
            self.assertTrue(smtp.cmd(f"MAIL FROM:<s@client.test> SIZE={LIMIT - 1000}")
                            .startswith("250"))
            self.assertTrue(smtp.cmd(f"RCPT TO:<{ALICE}>").startswith("250"))
            # Declared small, sent big: refused after the data, nothing stored.
            self.assertTrue(smtp.cmd("DATA").startswith("354"))
            smtp.send(b"Subject: too big\r\n\r\n" + (b"y" * 998 + b"\r\n") * 70 + b".\r\n")
            self.assertRegex(smtp.reply(), r"^552 5\.3\.4 ")
            self.assertTrue(smtp.cmd("NOOP").startswith("250"))  # the session goes on
            # Too big over BDAT, too.
            self.assertTrue(smtp.cmd("MAIL FROM:<s@client.test>").startswith("250"))
            self.assertTrue(smtp.cmd(f"RCPT TO:<{ALICE}>").startswith("250"))
            big = b"Subject: too big\r\n\r\n" + (b"z" * 98 + b"\r\n") * (LIMIT // 100 + 1)
            smtp.send(b"BDAT %d LAST\r\n" % len(big) + big)
            self.assertRegex(smtp.reply(), r"^552 5\.3\.4 ")
            self.assertTrue(smtp.cmd("QUIT").startswith("221"))
        finally:
            smtp.close()
        before = len(self.client.list(ALICE))
        # swaks: a message over the limit is refused after the final dot (exit 26) ...
        text = self.message("too big", ("w" * 900 + "\n") * 80)
        transcript = self.swaks(ALICE, data=text, expect=26)
        self.assertRegex(transcript, r"<\*\* 552 5\.3\.4 ")
        # ... and one a little under it is delivered whole.
        under = self.deliver_with_swaks(self.message("just under", ("v" * 900 + "\n") * 60))
        self.check_stored(ALICE, [under])
        after = self.client.list(ALICE)
        self.assertEqual(len(after), before + 1)
        self.assertNotIn("too big", [summary["subject"] for summary in after])

    def test_relay_forms_unknown_users_and_catch_all(self):
        refused = {
            f"u%ext.test@{DOMAIN}": "550 5.7.1",
            f"ext.test!u@{DOMAIN}": "550 5.7.1",
            f'"u@ext.test"@{DOMAIN}': "550 5.7.1",
            f"@{DOMAIN}:u@ext.test": "550 5.7.1",
            f"u@ext.test@{DOMAIN}": "501 5.1.3",
            "user@not-hosted.test": "550 5.7.1",
            f"alice@mail.{DOMAIN}": "550 5.7.1",
        }

        def check_refusals():
            for rcpt, reply in refused.items():
                transcript = self.swaks(rcpt, data=self.message("relay?"), expect=24)
                self.assertIn(f"<** {reply} ", transcript, rcpt)

        check_refusals()
        transcript = self.swaks(f"nobody@{DOMAIN}", data=self.message("unknown"), expect=24)
        self.assertIn("<** 550 5.1.1 ", transcript)
        self.client.run("domain", "catch-all", DOMAIN, BOB)
        try:
            caught = self.deliver_with_swaks(self.message("caught"), to=f"nobody@{DOMAIN}")
            self.check_stored(BOB, [caught])
            check_refusals()  # the catch-all catches local parts, not relay forms
        finally:
            self.client.run("domain", "catch-all", DOMAIN, "--off")
        transcript = self.swaks(f"nobody@{DOMAIN}", data=self.message("unknown"), expect=24)
        self.assertIn("<** 550 5.1.1 ", transcript)

    def test_alias_delivers_to_its_target(self):
        self.client.run("alias", "add", f"postmaster@{DOMAIN}", ALICE)
        delivered = self.deliver_with_swaks(self.message("to the alias"), to=f"postmaster@{DOMAIN}")
        self.assertEqual(self.check_stored(ALICE, [delivered])[delivered[0]]["subject"],
                         "to the alias")

    # smtplib -------------------------------------------------------------------------------

    def test_smtplib_starttls_attachment_two_recipients(self):
        message = email.message.EmailMessage()
        message["From"] = "Sender <sender@client.test>"
        message["To"] = f"{ALICE}, {BOB}"
        message["Subject"] = "Anhang: Übersicht — März"
        message["Message-ID"] = f"<{uuid.uuid4().hex}@client.test>"
        message.set_content("See the attachment.\n")
        attachment = bytes(range(256)) * 40
        message.add_attachment(attachment, maintype="application", subtype="octet-stream",
                               filename="report.bin")
        context = ssl.create_default_context(cafile=str(self.server.cert))
        context.check_hostname = False  # we connect to 127.0.0.1; the chain is still checked
        with RecordingSMTP("127.0.0.1", self.mx_port, local_hostname="client.test",
                           timeout=10) as smtp:
            smtp.starttls(context=context)
            self.assertEqual(smtp.sock.version()[:5], "TLSv1")
            self.assertEqual(smtp.send_message(message), {})
            self.assertEqual(smtp.reply[0], 250)
            sent = stored_form(smtp.sent)
        header = message["Message-ID"].strip("<>")
        copies = {}
        for address in (ALICE, BOB):
            summary = self.client.wait_listed(address, header, timeout=5)
            self.assertIsNotNone(summary, address)
            copies[address] = summary["id"]
            entry = self.check_stored(address, [(summary["id"], sent)])[summary["id"]]
            self.assertEqual(entry["subject"], "Anhang: Übersicht — März")
            self.assertEqual([a["filename"] if isinstance(a, dict) else a
                              for a in entry["attachments"]][:1], ["report.bin"])
        # One queue id, one copy per recipient (each read above decrypted its own: "address");
        # an account that was not a recipient gets nothing for that id.
        self.assertEqual(copies[ALICE], copies[BOB])
        denied = self.client.read(CAROL, [copies[ALICE]], check=False)
        self.assertNotEqual(denied.returncode, 0, denied.stdout)
        self.assertIn("not found", denied.stderr)

    # Postfix as the remote MTA -------------------------------------------------------------

    @unittest.skipUnless(HAVE_POSTFIX, "needs root and postfix")
    def test_postfix_relays_to_us_with_starttls(self):
        from peers.postfix import PostfixInstance
        # With a Date: field, so that Postfix's cleanup adds nothing but its Received:.
        text = self.message("through postfix", "Relayed by Postfix.\n",
                            "Date: Wed, 25 Nov 2026 01:02:03 +0000\n")
        header = re.search(r"Message-ID: <(.*)>", text).group(1)
        with PostfixInstance("relay", domain=DOMAIN, relay_to=("127.0.0.1", self.mx_port),
                             tls="may") as mta:
            self.swaks(ALICE, data=text, port=mta.port)
            summary = self.client.wait_listed(ALICE, header, timeout=30)
            self.assertIsNotNone(summary, f"{mta.deferred_reasons()}\n{mta.log_text()}")
            self.assertTrue(mta.wait_queue_empty(10), mta.deferred_reasons())
            log = mta.log_text()
        self.assertRegex(log, r"TLS connection established to \[?127\.0\.0\.1")
        self.assertRegex(log, rf"to=<{ALICE}>.*relay=127\.0\.0\.1\[127\.0\.0\.1\]:{self.mx_port}"
                         r".*status=sent \(250 2\.0\.0 Ok: queued as " + summary["id"])
        # Postfix's Received: sits between ours and the sender's header fields.
        raw = self.client.read_one(ALICE, summary["id"])["raw"]
        ours, _, theirs = raw.partition(b"\r\nReceived: from client.test (unknown [127.0.0.1])"
                                        b"\r\n\tby postfix-relay.peer.test (Postfix)")
        self.assertIn(b"with ESMTPS;", ours)  # Postfix used STARTTLS to reach us
        assert_stored_as_sent(self, ours + b"\r\n", b"")
        self.assertTrue(theirs.endswith(crlf(text)), raw)

    # SMTP smuggling ------------------------------------------------------------------------

    ENDINGS = {"LF.LF": b"\n.\n", "CRLF.CR": b"\r\n.\r", "LF.CRLF": b"\n.\r\n",
               "CR.CRLF": b"\r.\r\n"}

    def smuggle(self, port, rcpt, ending, subject):
        """One DATA transaction whose body hides a second one behind `ending`; returns the
        replies to the final dot and to a NOOP after it."""
        data = (f"From: sender@client.test\r\nTo: {rcpt}\r\nSubject: {subject}\r\n"
                f"Message-ID: <{uuid.uuid4().hex}@client.test>\r\n\r\nbefore").encode()
        data += ending + (f"MAIL FROM:<x@evil.test>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n"
                          f"From: x@evil.test\r\nSubject: smuggled\r\n\r\nevil\r\n").encode()
        smtp = Smtp(port)
        try:
            smtp.cmd("EHLO client.test")
            self.assertTrue(smtp.cmd("MAIL FROM:<sender@client.test>").startswith("250"))
            self.assertTrue(smtp.cmd(f"RCPT TO:<{rcpt}>").startswith("250"))
            self.assertTrue(smtp.cmd("DATA").startswith("354"))
            smtp.send(data + b"\r\n.\r\n")
            final = smtp.reply()
            # Exactly one reply for the transaction: the next one answers our NOOP.
            noop = smtp.cmd("NOOP")
            clean = (f"Subject: clean after {subject}\r\nMessage-ID: <{uuid.uuid4().hex}@c.test>"
                     "\r\n\r\nok\r\n").encode()
            self.assertTrue(smtp.cmd("MAIL FROM:<sender@client.test>").startswith("250"))
            self.assertTrue(smtp.cmd(f"RCPT TO:<{rcpt}>").startswith("250"))
            self.assertTrue(smtp.cmd("DATA").startswith("354"))
            smtp.send(clean + b".\r\n")
            after = smtp.reply()
            self.assertTrue(smtp.cmd("QUIT").startswith("221"))
        finally:
            smtp.close()
        return final, noop, data, (queued_id(after), clean)

    def test_smuggling_is_refused_by_default(self):
        before = len(self.client.list(ALICE))
        cleans = []
        for name, ending in self.ENDINGS.items():
            final, noop, _, clean = self.smuggle(self.mx_port, ALICE, ending, f"smug {name}")
            self.assertEqual(final, "550 5.6.0 Bare <CR> or <LF> in message data", name)
            self.assertEqual(noop, "250 2.0.0 OK", name)
            self.assertIsNotNone(clean[0], name)
            cleans.append(clean)
        listed = self.client.list(ALICE)
        self.assertEqual(len(listed), before + len(self.ENDINGS))
        subjects = [summary["subject"] for summary in listed]
        self.assertFalse([s for s in subjects if s.startswith("smug") or s == "smuggled"])
        self.check_stored(ALICE, cleans)

    def test_smuggling_with_normalized_line_endings(self):
        """With bare_line_endings = "normalize" the message is kept, but as one message: only
        CRLF.CRLF ends the data."""
        server = SealmailServer(self, domain=DOMAIN, config_overrides={
            ("mx", "bare_line_endings"): '"normalize"'}).start()
        client = MailClient(self, server)
        client.create(ALICE)
        port = server.endpoints["mx"][1]
        stored = {}
        for name, ending in self.ENDINGS.items():
            final, noop, data, clean = self.smuggle(port, ALICE, ending, f"smug {name}")
            queue_id = queued_id(final)
            self.assertIsNotNone(queue_id, f"{name}: {final}")
            self.assertEqual(noop, "250 2.0.0 OK", name)
            stored[queue_id] = (name, data)
        listed = client.list(ALICE)
        self.assertEqual(len(listed), 2 * len(self.ENDINGS))
        self.assertNotIn("smuggled", [summary["subject"] for summary in listed])
        entries = client.read(ALICE, list(stored))
        for queue_id, (name, data) in stored.items():
            raw = entries[queue_id]["raw"]
            normalized = re.sub(rb"\r?\n|\r", b"\r\n", data) + b"\r\n"
            assert_stored_as_sent(self, raw, normalized)
            self.assertIn(b"\r\nMAIL FROM:<x@evil.test>\r\n", raw, name)


if __name__ == "__main__":
    unittest.main()
