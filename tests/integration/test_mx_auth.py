"""The MX role's sender checks — SPF, DKIM, DMARC — against a real DNS server.

A private BIND (`named`, 127.0.0.1, a port the OS picks) serves the zone `test.` with the
outside senders' SPF, DKIM key and DMARC records; the DKIM keys are made at test time and the
messages are signed at test time by dkimpy's `dkimsign` (Debian's python3-dkim; python3-nacl
for Ed25519). Each server's [dns] forwards to that named. Every message goes in over SMTP
(smtplib); each reply code is checked, and each accepted message is read back with
`sealmail read --json` to check its folder and the Authentication-Results field we put on
top of it.

Domains in the lab (From and MAIL FROM use the same domain unless a test says otherwise):

    sender.test      SPF ip4:127.0.0.1 -all (pass)   DKIM rsa + ed25519   DMARC p=reject
    strict.test      SPF -all (fail)                 DKIM rsa             DMARC p=reject
    quarantine.test  SPF -all (fail)                 —                    DMARC p=quarantine
    none.test        no SPF record                   —                    DMARC p=none
    nodmarc.test     SPF ip4:127.0.0.1 -all (pass)   —                    no DMARC record
    client.sender.test (the HELO name)  SPF ip4:127.0.0.1 -all (pass)
"""
import os
import pathlib
import re
import shutil
import signal
import smtplib
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import SealmailServer
from mail import MailClient, assert_stored_as_sent, queued_id

DOMAIN = "example.test"
ALICE = f"alice@{DOMAIN}"
HOSTNAME = f"mail.{DOMAIN}"  # the harness's server hostname: our authserv-id
HELO = "client.sender.test"
NAMED = shutil.which("named") or ("/usr/sbin/named" if os.path.exists("/usr/sbin/named") else None)
HAVE_TOOLS = all([NAMED, shutil.which("dig"), shutil.which("dkimsign"),
                  shutil.which("opendkim-genkey"), shutil.which("dknewkey")])
MISSING = ("needs named and dig (bind9, bind9-dnsutils), opendkim-genkey (opendkim-tools), "
           "dkimsign and dknewkey (python3-dkim, python3-nacl)")
SMTP_TIMEOUT = 30


# The DNS lab ---------------------------------------------------------------------------------

def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (named wants both)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue
    raise RuntimeError("no free port")


def txt(value):
    """A TXT record's data in zone-file syntax: quoted strings of at most 255 bytes."""
    chunks = [value[i:i + 200] for i in range(0, len(value), 200)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


class DkimKey:
    """A DKIM key pair made at test time: `path` for dkimsign, `record` to publish."""

    def __init__(self, directory, domain, selector, kind):
        self.domain, self.selector, self.kind = domain, selector, kind
        work = directory / f"{selector}.{domain}"
        work.mkdir()
        if kind == "rsa":
            subprocess.run(["opendkim-genkey", "-b", "2048", "-d", domain, "-s", selector,
                            "-D", str(work)], check=True, capture_output=True, timeout=60)
            self.path = work / f"{selector}.private"
            # selector.txt holds `SEL._domainkey IN TXT ( "v=DKIM1; …" "…" )`: join the strings.
            text = (work / f"{selector}.txt").read_text()
            self.record = "".join(re.findall(r'"([^"]*)"', text))
            self.algorithm = "rsa-sha256"
        else:
            subprocess.run(["dknewkey", "--ktype", "ed25519", "key"], cwd=work, check=True,
                           capture_output=True, timeout=60)
            self.path = work / "key.key"
            self.record = (work / "key.dns").read_text().strip()
            self.algorithm = "ed25519-sha256"
        assert self.record.startswith("v=DKIM1;") and "p=" in self.record, self.record

    def sign(self, message, bcanon="simple"):
        """The message (CRLF bytes) with this key's DKIM-Signature on top."""
        result = subprocess.run(["dkimsign", "--signalg", self.algorithm, "--bcanon", bcanon,
                                 self.selector, self.domain, str(self.path)],
                                input=message, capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr
        signed = result.stdout
        assert signed.startswith(b"DKIM-Signature:") and signed.endswith(message), signed[:300]
        return signed


class DnsLab:
    """named serving the zone `test.` from a temp dir on 127.0.0.1:port; stopped by its PID."""

    def __init__(self, directory, records):
        self.dir = directory
        self.records = records  # [(owner relative to test., type, data)]
        self.process = None
        self.port = None

    def write_zone(self):
        lines = ["$TTL 60",
                 "@ SOA ns.test. hostmaster.test. 1 3600 600 86400 60",
                 "@ NS ns.test.",
                 "ns A 127.0.0.1"]
        lines += [f"{owner} {rtype} {data}" for owner, rtype, data in self.records]
        (self.dir / "test.zone").write_text("\n".join(lines) + "\n")

    def start(self):
        self.write_zone()
        for _ in range(5):
            self.port = free_port()
            conf = self.dir / "named.conf"
            conf.write_text(f"""options {{
  directory "{self.dir}";
  pid-file "{self.dir}/named.pid";
  session-keyfile "{self.dir}/session.key";
  managed-keys-directory "{self.dir}";
  listen-on port {self.port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  notify no;
  allow-query {{ 127.0.0.1; }};
}};
controls {{ }};
zone "test" {{ type primary; file "{self.dir}/test.zone"; }};
""")
            log = open(self.dir / "named.log", "wb")
            # -f: foreground, so the PID is named's own; -n 1: one worker thread.
            self.process = subprocess.Popen([NAMED, "-c", str(conf), "-f", "-n", "1"],
                                            stdout=log, stderr=subprocess.STDOUT)
            log.close()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                if "hostmaster" in self.dig("test", "SOA"):
                    return self
                time.sleep(0.1)
            self.stop()
        raise RuntimeError("named did not start: " + (self.dir / "named.log").read_text())

    def dig(self, name, rtype):
        result = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(self.port),
                                 "@127.0.0.1", name, rtype], capture_output=True, text=True,
                                timeout=10)
        return result.stdout

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


LAB = None
KEYS = {}


def setUpModule():
    global LAB
    if not HAVE_TOOLS:
        return
    directory = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-mxauth-"))
    unittest.addModuleCleanup(shutil.rmtree, directory, ignore_errors=True)
    keys_dir = directory / "keys"
    keys_dir.mkdir()
    KEYS["sender-rsa"] = DkimKey(keys_dir, "sender.test", "rsa", "rsa")
    KEYS["sender-ed"] = DkimKey(keys_dir, "sender.test", "ed", "ed25519")
    KEYS["strict-rsa"] = DkimKey(keys_dir, "strict.test", "s2048", "rsa")
    records = [
        ("sender", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
        ("_dmarc.sender", "TXT", txt("v=DMARC1; p=reject")),
        ("strict", "TXT", txt("v=spf1 -all")),
        ("_dmarc.strict", "TXT", txt("v=DMARC1; p=reject; adkim=r; aspf=r")),
        ("quarantine", "TXT", txt("v=spf1 -all")),
        ("_dmarc.quarantine", "TXT", txt("v=DMARC1; p=quarantine")),
        ("none", "A", "192.0.2.1"),  # exists, but publishes no SPF
        ("_dmarc.none", "TXT", txt("v=DMARC1; p=none")),
        ("nodmarc", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),
        ("client.sender", "TXT", txt("v=spf1 ip4:127.0.0.1 -all")),  # HELO's SPF
    ]
    for key in KEYS.values():
        owner = f"{key.selector}._domainkey.{key.domain.removesuffix('.test')}"
        records.append((owner, "TXT", txt(key.record)))
    lab_dir = directory / "dns"
    lab_dir.mkdir()
    LAB = DnsLab(lab_dir, records)
    unittest.addModuleCleanup(LAB.stop)
    LAB.start()
    # The lab answers what the tests rely on (else every failure below would be a lab bug).
    assert "ip4:127.0.0.1" in LAB.dig("sender.test", "TXT"), LAB.dig("sender.test", "TXT")
    assert "p=" in LAB.dig("rsa._domainkey.sender.test", "TXT")


def lab_dns():
    return {("dns", "forwarders"): f'["127.0.0.1@{LAB.port}"]',
            ("dns", "transparent_zones"): '["test"]', ("dns", "timeout"): '"5s"'}


# Messages, SMTP, Authentication-Results ------------------------------------------------------

def message(from_addr, subject, body="Please pay invoice 4711: 100 EUR.\r\n", extra=b""):
    """A CRLF message from from_addr to Alice; returns (bytes, Message-ID without <>)."""
    message_id = f"{uuid.uuid4().hex}@{from_addr.split('@')[1]}"
    head = (f"From: Sender <{from_addr}>\r\nTo: Alice <{ALICE}>\r\nSubject: {subject}\r\n"
            f"Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <{message_id}>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n").encode()
    return head + extra + b"\r\n" + body.encode(), message_id


def tamper_body(signed):
    """The signed message with its body changed after signing (headers untouched)."""
    head, sep, body = signed.partition(b"\r\n\r\n")
    changed = body.replace(b"100 EUR", b"900 EUR")
    assert changed != body
    return head + sep + changed


def smtp_send(port, mail_from, data, rcpt=ALICE):
    """One SMTP transaction; returns the final reply (code, text) to DATA."""
    with smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, timeout=SMTP_TIMEOUT) as smtp:
        code, reply = smtp.ehlo()
        assert code == 250, reply
        code, reply = smtp.mail(mail_from)
        assert code == 250, (code, reply)
        code, reply = smtp.rcpt(rcpt)
        assert code == 250, (code, reply)
        code, reply = smtp.data(data)
        return code, reply.decode("utf-8", "replace")


def header_fields(raw):
    """[(lower-case name, unfolded value)] of the message's header block."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    fields = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1][1] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            fields.append([name.strip().lower(), value.strip()])
    return [tuple(f) for f in fields]


def split_outside_quotes(text, sep=";"):
    parts, current, quoted, depth = [], "", False, 0
    for c in text:
        if c == '"' and depth == 0:
            quoted = not quoted
        elif c == "(" and not quoted:
            depth += 1
        elif c == ")" and not quoted and depth:
            depth -= 1
        if c == sep and not quoted and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += c
    parts.append(current)
    return parts


def authserv_id(value):
    return re.match(r'\s*"?([^";\s(]*)', value).group(1)


def parse_results(value):
    """An Authentication-Results value → [(method, result, {property: value})]."""
    out = []
    for part in split_outside_quotes(value)[1:]:
        # Drop comments, but not parentheses inside quoted values.
        part = "".join(" " if t.startswith("(") else t for t in re.findall(
            r'"(?:[^"\\]|\\.)*"|\([^)]*\)|[^"(]+|["(]', part)).strip()
        m = re.match(r"([\w.-]+)\s*=\s*([\w-]+)(.*)$", part, re.S)
        if not m:
            continue
        props = dict(re.findall(r'([\w.-]+)\s*=\s*("[^"]*"|[^\s;]+)', m.group(3)))
        out.append((m.group(1).lower(), m.group(2).lower(),
                    {k.lower(): v.strip('"') for k, v in props.items()}))
    return out


class LabTestCase(unittest.TestCase):
    """One server (config overrides below) with Alice's account on it, for the class."""
    overrides = {}

    @classmethod
    def setUpClass(cls):
        if not HAVE_TOOLS:
            raise unittest.SkipTest(MISSING)
        cls.scope = unittest.TestCase()  # owns the class-wide cleanups
        cls.addClassCleanup(cls.scope.doCleanups)
        cls.server = SealmailServer(cls.scope, domain=DOMAIN,
                                    config_overrides=cls.overrides).start()
        cls.mx_port = cls.server.endpoints["mx"][1]
        cls.client = MailClient(cls.scope, cls.server)
        cls.client.create(ALICE)

    def setUp(self):
        self.client.test = self

    def server_log(self):
        try:
            return self.server.log.read_text()[-3000:]
        except OSError:
            return ""

    def deliver(self, mail_from, data):
        """Sends; asserts 250; returns the stored entry (summary + "raw") read back."""
        code, reply = smtp_send(self.mx_port, mail_from, data)
        self.assertEqual(code, 250, f"{reply}\nserver log:\n{self.server_log()}")
        queue_id = queued_id(reply)
        self.assertIsNotNone(queue_id, reply)
        return self.client.read_one(ALICE, queue_id)

    def refuse(self, mail_from, data):
        code, reply = smtp_send(self.mx_port, mail_from, data)
        self.assertEqual(code, 550, reply)
        self.assertTrue(reply.startswith("5.7.1 "), reply)
        return reply

    def our_results(self, entry, sent=None):
        """The one Authentication-Results field with our authserv-id, parsed; checks that it
        is on top of the stored message and (given sent) that the rest is sent unchanged."""
        raw = entry["raw"]
        if sent is not None:
            assert_stored_as_sent(self, raw, sent, hostname=HOSTNAME)
        ours = [v for n, v in header_fields(raw)
                if n == "authentication-results" and authserv_id(v).lower() == HOSTNAME]
        self.assertEqual(len(ours), 1, raw[:1500])
        results = parse_results(ours[0])
        methods = [m for m, _, _ in results]
        self.assertEqual(methods.count("spf"), 1, ours[0])
        self.assertEqual(methods.count("dmarc"), 1, ours[0])
        self.assertGreaterEqual(methods.count("dkim"), 1, ours[0])
        return results, ours[0]

    def result(self, results, method):
        found = [(r, p) for m, r, p in results if m == method]
        self.assertEqual(len(found), 1, results)
        return found[0]

    def assert_in_folder(self, entry, folder, message_id):
        self.assertEqual(entry["folder"], folder, entry.get("subject"))
        other = "spam" if folder == "inbox" else "inbox"
        self.assertIn(message_id, [s["message_id"] for s in self.client.list(ALICE, folder)])
        self.assertNotIn(message_id, [s["message_id"] for s in self.client.list(ALICE, other)])

    def assert_not_stored(self, message_ids):
        listed = [s["message_id"] for folder in ("inbox", "spam")
                  for s in self.client.list(ALICE, folder)]
        for message_id in message_ids:
            self.assertNotIn(message_id, listed)


# The cases -----------------------------------------------------------------------------------

class SenderChecksTest(LabTestCase):
    """[mx] dmarc_reject = "reject" (the default)."""
    overrides = {}

    @classmethod
    def setUpClass(cls):
        cls.overrides = lab_dns()
        super().setUpClass()

    def test_spf_dkim_dmarc_pass_to_inbox(self):
        # Case 1: SPF pass, DKIM pass (RSA and Ed25519, RFC 8463 §3's double signature),
        # DMARC pass.
        data, mid = message("news@sender.test", "all pass")
        sent = KEYS["sender-rsa"].sign(KEYS["sender-ed"].sign(data, bcanon="relaxed"))
        entry = self.deliver("bounce@sender.test", sent)
        results, value = self.our_results(entry, sent)
        self.assert_in_folder(entry, "inbox", mid)
        self.assertEqual(self.result(results, "spf")[0], "pass", value)
        self.assertEqual(self.result(results, "spf")[1].get("smtp.mailfrom"),
                         "bounce@sender.test", value)
        dkim = sorted((p.get("header.a"), r, p.get("header.d"), p.get("header.s"))
                      for m, r, p in results if m == "dkim")
        self.assertEqual(dkim, [("ed25519-sha256", "pass", "sender.test", "ed"),
                                ("rsa-sha256", "pass", "sender.test", "rsa")], value)
        dmarc, props = self.result(results, "dmarc")
        self.assertEqual(dmarc, "pass", value)
        self.assertEqual(props.get("header.from"), "sender.test", value)
        self.assertRegex(value, r"(?i)^mail\.example\.test;")

    def test_spf_none_dmarc_none(self):
        # SPF none (no record) and p=none: delivered to the inbox, DMARC fail reported.
        data, mid = message("someone@none.test", "spf none, p=none")
        entry = self.deliver("someone@none.test", data)
        results, value = self.our_results(entry, data)
        self.assert_in_folder(entry, "inbox", mid)
        self.assertEqual(self.result(results, "spf")[0], "none", value)
        self.assertEqual(self.result(results, "dkim")[0], "none", value)
        self.assertEqual(self.result(results, "dmarc")[0], "fail", value)
        # No DMARC record at all: dmarc=none.
        data, mid = message("someone@nodmarc.test", "no dmarc record")
        entry = self.deliver("someone@nodmarc.test", data)
        results, value = self.our_results(entry, data)
        self.assert_in_folder(entry, "inbox", mid)
        self.assertEqual(self.result(results, "spf")[0], "pass", value)
        self.assertEqual(self.result(results, "dmarc")[0], "none", value)

    def test_null_sender_checks_helo(self):
        # MAIL FROM:<>: SPF checks the HELO name, client.sender.test, which is aligned (relaxed,
        # same organizational domain) with From sender.test.
        data, mid = message("mailer-daemon@sender.test", "bounce")
        entry = self.deliver("", data)
        results, value = self.our_results(entry, data)
        self.assert_in_folder(entry, "inbox", mid)
        spf, props = self.result(results, "spf")
        self.assertEqual((spf, props.get("smtp.helo")), ("pass", HELO), value)
        self.assertNotIn("smtp.mailfrom", props, value)
        self.assertEqual(self.result(results, "dmarc")[0], "pass", value)

    def test_dmarc_reject_without_dkim_is_refused(self):
        # Case 2: From strict.test (p=reject), SPF fail, no DKIM.
        data, mid = message("ceo@strict.test", "unsigned, spf fail")
        reply = self.refuse("ceo@strict.test", data)
        self.assertIn("strict.test", reply)
        # SPF passes for the envelope but is not aligned with the From domain: still refused.
        data2, mid2 = message("ceo@strict.test", "spf pass but unaligned")
        self.refuse("bounce@sender.test", data2)
        self.assert_not_stored([mid, mid2])

    def test_aligned_dkim_passes_dmarc_despite_spf_fail(self):
        # Case 3: the same domain, now signed by itself: DMARC passes through DKIM.
        data, mid = message("ceo@strict.test", "signed by strict.test")
        sent = KEYS["strict-rsa"].sign(data)
        entry = self.deliver("ceo@strict.test", sent)
        results, value = self.our_results(entry, sent)
        self.assert_in_folder(entry, "inbox", mid)
        self.assertEqual(self.result(results, "spf")[0], "fail", value)
        dkim, props = self.result(results, "dkim")
        self.assertEqual((dkim, props.get("header.d"), props.get("header.s")),
                         ("pass", "strict.test", "s2048"), value)
        self.assertEqual(self.result(results, "dmarc")[0], "pass", value)

    def test_body_changed_after_signing(self):
        # Case 4a: a broken signature of sender.test; SPF passes aligned, so DMARC passes and
        # the message is delivered, with dkim=fail on record.
        data, mid = message("news@sender.test", "tampered, spf aligned")
        sent = tamper_body(KEYS["sender-rsa"].sign(data))
        entry = self.deliver("bounce@sender.test", sent)
        results, value = self.our_results(entry, sent)
        self.assert_in_folder(entry, "inbox", mid)
        dkim, props = self.result(results, "dkim")
        self.assertEqual((dkim, props.get("header.d")), ("fail", "sender.test"), value)
        self.assertEqual(self.result(results, "spf")[0], "pass", value)
        self.assertEqual(self.result(results, "dmarc")[0], "pass", value)
        # Case 4b: a broken signature of strict.test (p=reject), SPF passing only for an
        # unaligned envelope domain: refused.
        data, mid2 = message("ceo@strict.test", "tampered, p=reject")
        self.refuse("bounce@sender.test", tamper_body(KEYS["strict-rsa"].sign(data)))
        # The same tampered with, SPF fail: refused too.
        data, mid3 = message("ceo@strict.test", "tampered, spf fail")
        self.refuse("ceo@strict.test", tamper_body(KEYS["strict-rsa"].sign(data)))
        self.assert_not_stored([mid2, mid3])

    def test_dmarc_quarantine_goes_to_spam(self):
        # Case 5.
        data, mid = message("billing@quarantine.test", "p=quarantine, spf fail")
        entry = self.deliver("billing@quarantine.test", data)
        results, value = self.our_results(entry, data)
        self.assert_in_folder(entry, "spam", mid)
        self.assertEqual(self.result(results, "spf")[0], "fail", value)
        self.assertEqual(self.result(results, "dkim")[0], "none", value)
        dmarc, props = self.result(results, "dmarc")
        self.assertEqual(dmarc, "fail", value)
        self.assertEqual(props.get("policy.dmarc"), "quarantine", value)
        self.assertEqual(props.get("header.from"), "quarantine.test", value)

    def test_forged_results_in_our_name_are_removed(self):
        # Case 7: fields naming our authserv-id (any case, folded or not) go; others stay,
        # including one whose id merely starts with our hostname.
        ours_plain = (b"Authentication-Results: mail.example.test; dmarc=pass "
                      b"header.from=sender.test\r\n")
        ours_folded = (b"Authentication-Results: MAIL.Example.TEST;\r\n\tspf=pass;\r\n"
                       b"\tdkim=pass\r\n")
        foreign = b"Authentication-Results: mx.other.test; dmarc=fail header.from=x.test\r\n"
        lookalike = b"Authentication-Results: mail.example.test.evil.test; dmarc=pass\r\n"
        data, mid = message("news@sender.test", "forged results",
                            extra=ours_plain + foreign + ours_folded + lookalike)
        entry = self.deliver("bounce@sender.test", data)
        raw = entry["raw"]
        self.assertNotIn(ours_plain, raw)
        self.assertNotIn(b"MAIL.Example.TEST", raw)
        self.assertIn(b"\r\n" + foreign, raw)
        self.assertIn(b"\r\n" + lookalike, raw)
        # The stored message is the sent one without the two forged fields, under our fields.
        kept = data.replace(ours_plain, b"").replace(ours_folded, b"")
        self.assertEqual(len(kept), len(data) - len(ours_plain) - len(ours_folded))
        results, value = self.our_results(entry, kept)
        self.assertEqual(self.result(results, "dmarc")[0], "pass", value)  # SPF aligned
        self.assert_in_folder(entry, "inbox", mid)
        # A forged pass does not get a p=reject failure in.
        data, mid2 = message("ceo@strict.test", "forged pass, p=reject",
                             extra=b"Authentication-Results: mail.example.test; spf=pass; "
                                   b"dkim=pass header.d=strict.test; dmarc=pass\r\n")
        self.refuse("ceo@strict.test", data)
        self.assert_not_stored([mid2])


class QuarantineInsteadOfRejectTest(LabTestCase):
    """Case 6: [mx] dmarc_reject = "quarantine"."""

    @classmethod
    def setUpClass(cls):
        cls.overrides = {**lab_dns(), ("mx", "dmarc_reject"): '"quarantine"'}
        super().setUpClass()

    def test_p_reject_failure_goes_to_spam(self):
        data, mid = message("ceo@strict.test", "unsigned, spf fail, quarantined")
        entry = self.deliver("ceo@strict.test", data)
        results, value = self.our_results(entry, data)
        self.assert_in_folder(entry, "spam", mid)
        self.assertEqual(self.result(results, "spf")[0], "fail", value)
        dmarc, props = self.result(results, "dmarc")
        self.assertEqual(dmarc, "fail", value)
        self.assertEqual(props.get("policy.dmarc"), "reject", value)
        # A passing message still goes to the inbox on this server.
        data, mid = message("ceo@strict.test", "signed, inbox")
        sent = KEYS["strict-rsa"].sign(data)
        entry = self.deliver("ceo@strict.test", sent)
        self.assert_in_folder(entry, "inbox", mid)
        self.assertEqual(self.result(self.our_results(entry, sent)[0], "dmarc")[0], "pass")


class DnsDownTest(LabTestCase):
    """Case 8: the forwarder does not answer (the harness's default, 127.0.0.1@9): mail that
    would be refused with DNS is delivered, with temperror (or none) results. `.test` stays
    transparent, so the questions do go to the dead forwarder (else libunbound would answer
    NXDOMAIN for .test itself)."""
    overrides = {("dns", "forwarders"): '["127.0.0.1@9"]', ("dns", "transparent_zones"): '["test"]',
                 ("dns", "timeout"): '"2s"'}

    def test_delivered_with_temperror(self):
        started = time.monotonic()
        data, mid = message("ceo@strict.test", "dns down, unsigned")
        entry = self.deliver("ceo@strict.test", data)
        results, value = self.our_results(entry, data)
        self.assert_in_folder(entry, "inbox", mid)
        self.assertIn(self.result(results, "spf")[0], ("temperror", "none"), value)
        self.assertEqual(self.result(results, "dkim")[0], "none", value)
        self.assertIn(self.result(results, "dmarc")[0], ("temperror", "none"), value)
        # A signed one: the key cannot be fetched — a temporary error (RFC 6376 §6.1.2), not
        # a failure, and the message is delivered.
        data, mid = message("ceo@strict.test", "dns down, signed")
        sent = KEYS["strict-rsa"].sign(data)
        entry = self.deliver("ceo@strict.test", sent)
        results, value = self.our_results(entry, sent)
        self.assert_in_folder(entry, "inbox", mid)
        dkim, props = self.result(results, "dkim")
        self.assertEqual((dkim, props.get("header.d")), ("temperror", "strict.test"), value)
        self.assertIn(self.result(results, "dmarc")[0], ("temperror", "none"), value)
        self.assertLess(time.monotonic() - started, 60)


if __name__ == "__main__":
    unittest.main()
