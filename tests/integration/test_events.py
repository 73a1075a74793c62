"""The event stream (GET /api/v1/events) against the real binary: a client long-polling with
`sealmail events --follow` sees mail delivered over SMTP within a second; a client that was
away catches up from its cursor with nothing missed and nothing twice; SIGTERM answers the
waiting requests instead of waiting for them."""
import json
import os
import pathlib
import queue
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import SEALMAIL, SealmailServer

PASSWORD = "alice's long password"


class EventsTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(self).start()
        host, port = self.server.endpoints["api"]
        self.url = f"https://{host}:{port}"
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-home-"))
        self.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        self.env = dict(os.environ, SEALMAIL_HOME=str(self.home),
                        SEALMAIL_CONFIG=str(self.server.config))
        code = self.sealmail("user", "invite").stdout.strip()
        self.sealmail("account", "create", "alice@example.test", "--server", self.url,
                      "--invite", code, stdin=f"{PASSWORD}\n{PASSWORD}\n")
        self.sealmail("login", "alice@example.test", stdin=f"{PASSWORD}\n")

    def sealmail(self, *args, stdin=""):
        result = subprocess.run([SEALMAIL, *args], capture_output=True, text=True, input=stdin,
                                env=self.env, timeout=120)
        self.assertEqual(result.returncode, 0, f"{args}: {result.stderr}")
        return result

    def deliver(self, subject):
        """One message to alice over SMTP; returns when swaks has its 250 and has quit."""
        host, port = self.server.endpoints["mx"]
        sent = subprocess.run(["swaks", "--server", f"{host}:{port}", "--from",
                               "carol@outside.test", "--to", "alice@example.test",
                               "--header", f"Subject: {subject}", "--body", "hello"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(sent.returncode, 0, sent.stdout)
        self.assertIn("250 2.0.0 Ok: queued as", sent.stdout)
        return time.monotonic()

    def follow(self, after=0):
        """Starts `sealmail events --follow`; returns (process, queue of (time, event))."""
        process = subprocess.Popen([SEALMAIL, "events", "--follow", "--after", str(after)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=self.env)
        self.addCleanup(process.stderr.close)
        self.addCleanup(process.stdout.close)
        self.addCleanup(lambda: process.poll() is None and process.kill())  # runs first
        lines = queue.Queue()

        def read():
            for line in process.stdout:
                lines.put((time.monotonic(), json.loads(line)))
            lines.put((time.monotonic(), None))  # end of stream

        threading.Thread(target=read, daemon=True).start()
        return process, lines

    def next_event(self, lines, timeout=30):
        try:
            at, event = lines.get(timeout=timeout)
        except queue.Empty:
            self.fail(f"no event within {timeout} s")
        self.assertIsNotNone(event, "the event stream ended")
        return at, event

    def listing(self, after):
        out = self.sealmail("events", "--after", str(after)).stdout
        return [json.loads(line) for line in out.splitlines()]

    def test_a_waiting_client_sees_a_delivery_within_a_second_and_catches_up_later(self):
        follower, lines = self.follow()
        seen = []
        # The first delivery proves the stream works; from then on the follower is waiting.
        self.deliver("first")
        at, event = self.next_event(lines)
        self.assertEqual(event["kind"], "message.created")
        self.assertEqual(event["payload"]["folder"], "inbox")
        seen.append(event)
        # Whatever else the account logged meanwhile comes too; drain it.
        while not lines.empty():
            seen.append(self.next_event(lines)[1])

        for subject in ("second", "third"):
            delivered = self.deliver(subject)
            at, event = self.next_event(lines, timeout=10)
            self.assertEqual(event["kind"], "message.created")
            # (Negative when the event was printed before swaks had quit.)
            self.assertLess(at - delivered, 1.0, f"{subject}: seen {at - delivered:.3f} s late")
            seen.append(event)

        # Away: the follower stops; two more messages arrive.
        follower.terminate()
        follower.wait(timeout=10)
        last = seen[-1]["cursor"]
        self.deliver("fourth")
        self.deliver("fifth")
        missed = self.listing(last)
        self.assertEqual([e["kind"] for e in missed], ["message.created"] * 2)
        self.assertTrue(all(e["cursor"] > last for e in missed))
        ids = {e["payload"]["id"] for e in missed}
        self.assertEqual(len(ids), 2)
        # Nothing missed, nothing twice: what was seen plus what was missed is the whole log.
        everything = self.listing(0)
        self.assertEqual([e["cursor"] for e in everything],
                         [e["cursor"] for e in seen + missed])
        cursors = [e["cursor"] for e in everything]
        self.assertEqual(cursors, sorted(set(cursors)))
        # Caught up: asking from the newest cursor gives nothing.
        self.assertEqual(self.listing(everything[-1]["cursor"]), [])

    def test_sigterm_answers_waiting_requests_at_once(self):
        before = len(self.server.log.read_text())
        followers = [self.follow(after=10**9) for _ in range(3)]  # far ahead: they wait
        # Until the three have connected (the log says so), then a moment for their requests.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.server.log.read_text()[before:].count("api: connect #") >= 3:
                break
            time.sleep(0.05)
        time.sleep(0.5)
        for process, _ in followers:
            self.assertIsNone(process.poll(), "a follower ended before the drain")
        start = time.monotonic()
        self.assertEqual(self.server.terminate(), 0)
        self.assertLess(time.monotonic() - start, 5.0, "drain waited for the long polls")
        for process, _ in followers:
            process.wait(timeout=30)  # the stream ends: the server is gone


if __name__ == "__main__":
    unittest.main()
