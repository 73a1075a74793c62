"""Crash safety of the MX: 20 senders deliver 10 KB messages in a loop while the test kills the
server with SIGKILL 20 times and restarts it on the same config. A message acknowledged with
250 after its final dot must be stored exactly once and decrypt intact; whatever else is
stored (a dot sent, the 250 lost to the kill) must be whole too, and no message is stored
twice."""
import hashlib
import os
import random
import re
import signal
import smtplib
import threading
import time
import unittest
import uuid

from harness import SealmailServer
from mail import MailClient
from peers.postfix import free_port

ALICE = "alice@example.test"
SENDERS = 20
KILLS = 20
BODY_BYTES = 10 * 1024
READ_CHUNK = 250
SEND_DEADLINE = 90.0  # seconds: senders and kills together, at most


class Ledger:
    """What the senders did: {message id: body sha256} for dots sent and for 250s received."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempted = {}
        self.acked = {}
        self.errors = 0

    def record(self, table, message_id, digest):
        with self.lock:
            table[message_id] = digest


def make_message(rng, message_id):
    lines = []
    size = 0
    while size < BODY_BYTES:
        line = "%032x%032x" % (rng.getrandbits(128), rng.getrandbits(128))
        lines.append(line)
        size += len(line) + 2
    body = ("\r\n".join(lines) + "\r\n").encode()
    digest = hashlib.sha256(body).hexdigest()
    head = (f"From: crash@client.test\r\nTo: {ALICE}\r\nSubject: crash test\r\n"
            f"Message-ID: <{message_id}>\r\nX-Body-SHA256: {digest}\r\n\r\n").encode()
    return head + body, digest


def sender(index, seed, port, ledger, stop):
    rng = random.Random(seed * 1000 + index)
    smtp = None
    for _ in range(100000):  # bounded; the stop event ends it long before
        if stop.is_set():
            break
        try:
            if smtp is None:
                smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=10)
                smtp.ehlo()
            message_id = f"{index}.{uuid.uuid4().hex}@crash.test"
            data, digest = make_message(rng, message_id)
            if smtp.mail("crash@client.test")[0] != 250 or smtp.rcpt(ALICE)[0] != 250:
                raise smtplib.SMTPException("MAIL or RCPT refused")
            ledger.record(ledger.attempted, message_id, digest)  # before the dot goes out
            code, reply = smtp.data(data)
            if code == 250:
                ledger.record(ledger.acked, message_id, digest)
            else:
                raise smtplib.SMTPException(f"data {code} {reply!r}")
        except (OSError, smtplib.SMTPException):
            with ledger.lock:
                ledger.errors += 1
            if smtp is not None:
                try:
                    smtp.close()
                except OSError:
                    pass
            smtp = None
            stop.wait(0.05)
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


class MxCrashTest(unittest.TestCase):
    def test_kill_9_under_load(self):
        seed = int(os.environ.get("SEALMAIL_TEST_SEED", time.time_ns() % 1000000))
        print(f"\nseed {seed} (SEALMAIL_TEST_SEED={seed} repeats it)")
        rng = random.Random(seed)
        mx_port, api_port = free_port(), free_port()
        server = SealmailServer(self, config_overrides={
            ("mx", "listen"): f'["127.0.0.1:{mx_port}"]',
            ("api", "listen"): f'["127.0.0.1:{api_port}"]',
            ("limits", "max_connections_per_ip"): "100"}).start()
        client = MailClient(self, server)
        client.create(ALICE)

        ledger = Ledger()
        stop = threading.Event()
        threads = [threading.Thread(target=sender, args=(i, seed, mx_port, ledger, stop))
                   for i in range(SENDERS)]
        for thread in threads:
            thread.start()
        self.addCleanup(lambda: [stop.set()] + [t.join(30) for t in threads])
        started = time.monotonic()
        kills = 0
        acked_at_kill = []
        try:
            for _ in range(KILLS):
                time.sleep(rng.uniform(0.3, 1.5))
                if time.monotonic() - started > SEND_DEADLINE:
                    break
                acked_at_kill.append(len(ledger.acked))
                server.process.send_signal(signal.SIGKILL)
                server.process.wait(timeout=30)
                kills += 1
                server.kill()  # collects its output, closes the pipe
                server.start()
            # After the last restart, the server takes mail again.
            before = len(ledger.acked)
            deadline = time.monotonic() + 10
            while len(ledger.acked) < before + SENDERS and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        self.assertFalse([t for t in threads if t.is_alive()], "a sender did not stop")
        send_seconds = time.monotonic() - started
        self.assertEqual(kills, KILLS)
        self.assertGreaterEqual(len(ledger.acked), before + SENDERS,
                                "no mail accepted after the last restart")
        # Mail was accepted between the kills, not only at the start.
        self.assertGreater(len(set(acked_at_kill)), KILLS // 2, acked_at_kill)

        listed = client.list(ALICE)
        ids = [summary["id"] for summary in listed]
        self.assertEqual(len(ids), len(set(ids)), "an id listed twice")
        stored = {}
        for start in range(0, len(ids), READ_CHUNK):
            chunk = ids[start:start + READ_CHUNK]
            entries = client.read(ALICE, chunk)
            self.assertEqual(set(entries), set(chunk), "a listed message does not read back")
            for queue_id, entry in entries.items():
                raw = entry["raw"]
                head, _, body = raw.partition(b"\r\n\r\n")
                message_id = re.search(rb"\r\nMessage-ID: <([^>]+)>", head).group(1).decode()
                declared = re.search(rb"\r\nX-Body-SHA256: ([0-9a-f]{64})", head).group(1)
                digest = hashlib.sha256(body).hexdigest()
                self.assertEqual(digest, declared.decode(), f"{queue_id} body damaged")
                self.assertEqual(entry["message_id"], message_id)
                self.assertNotIn(message_id, stored, f"{message_id} stored twice")
                stored[message_id] = digest
        missing = [m for m in ledger.acked if m not in stored]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged messages lost")
        for message_id, digest in ledger.acked.items():
            self.assertEqual(stored[message_id], digest, message_id)
        strangers = [m for m in stored if m not in ledger.attempted]
        self.assertEqual(strangers, [], "stored messages nobody sent")
        unacked = len(stored) - len(ledger.acked)
        print(f"kills {kills}, acked {len(ledger.acked)}, dots sent {len(ledger.attempted)}, "
              f"stored {len(stored)} ({unacked} stored without a 250 seen), "
              f"sender errors {ledger.errors}, sending {send_seconds:.1f} s")


if __name__ == "__main__":
    unittest.main()
