"""Self-test of peers/postfix.py: a private Postfix relays mail injected with swaks to a small
SMTP receiver on 127.0.0.1 (plain, and with STARTTLS when it must encrypt), and the sink
instance accepts mail and empties its queue. Needs root, Postfix and swaks."""
import os
import pathlib
import shutil
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from peers.postfix import PostfixInstance, _alive
from peers.swaks import swaks

HAVE_PEERS = (os.geteuid() == 0 and shutil.which("postfix") is not None
              and shutil.which("swaks") is not None)


class Receiver(socketserver.ThreadingTCPServer):
    """A minimal SMTP server that keeps what it receives: [(mail_from, rcpts, data, tls)]."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls_context=None):
        super().__init__(("127.0.0.1", 0), ReceiverSession)
        self.tls_context = tls_context
        self.messages = []
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def wait_for(self, count, timeout):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    def close(self):
        self.shutdown()
        self.server_close()
        self.thread.join(10)


class ReceiverSession(socketserver.StreamRequestHandler):
    timeout = 30
    tls_socket = None

    def finish(self):
        super().finish()
        if self.tls_socket is not None:
            self.tls_socket.close()

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        tls = False
        mail_from, rcpts = None, []
        self.reply("220 receiver.test ESMTP")
        while True:
            line = self.rfile.readline(1024)
            if not line:
                return
            verb = line.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                offer_tls = self.server.tls_context is not None and not tls
                self.reply("250-receiver.test" if offer_tls else "250 receiver.test")
                if offer_tls:
                    self.reply("250 STARTTLS")
            elif upper == "STARTTLS" and self.server.tls_context and not tls:
                self.reply("220 2.0.0 go ahead")
                self.tls_socket = self.server.tls_context.wrap_socket(self.request,
                                                                      server_side=True)
                self.rfile = self.tls_socket.makefile("rb")
                self.wfile = self.tls_socket.makefile("wb")
                tls = True
            elif upper.startswith("MAIL FROM:"):
                mail_from, rcpts = verb[10:].split()[0], []
                self.reply("250 2.1.0 ok")
            elif upper.startswith("RCPT TO:"):
                rcpts.append(verb[8:].split()[0])
                self.reply("250 2.1.5 ok")
            elif upper == "DATA":
                self.reply("354 go ahead")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline(65536)
                    if not chunk:
                        return
                    data += chunk
                with self.server.arrived:
                    self.server.messages.append((mail_from, rcpts, data, tls))
                    self.server.arrived.notify_all()
                self.reply("250 2.0.0 kept")
            elif upper in ("RSET", "NOOP"):
                self.reply("250 2.0.0 ok")
            elif upper == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 not here")


def send(port, to):
    return swaks(port, to, data="Subject: peer test\r\n\r\nhello from swaks\r\n")


@unittest.skipUnless(HAVE_PEERS, "needs root, postfix and swaks")
class PostfixPeerTest(unittest.TestCase):
    def receiver(self, tls_context=None):
        receiver = Receiver(tls_context)
        self.addCleanup(receiver.close)
        return receiver

    def postfix(self, *args, **kwargs):
        instance = PostfixInstance(*args, **kwargs)
        self.addCleanup(instance.close)
        return instance.start()

    def tls_context(self):
        folder = pathlib.Path(tempfile.mkdtemp(prefix="receiver-tls-"))
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                        "/CN=receiver.test", "-keyout", str(folder / "key.pem"),
                        "-out", str(folder / "cert.pem")], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        return context

    def test_relay_mode_delivers_to_the_next_hop_in_plain_text(self):
        receiver = self.receiver()
        mta = self.postfix("relay", domain="example.test", relay_to=("127.0.0.1", receiver.port),
                           tls="may")
        code, transcript = send(mta.port, "alice@example.test")
        self.assertEqual(code, 0, transcript)
        messages = receiver.wait_for(1, timeout=40)
        self.assertEqual(len(messages), 1, mta.log_text())
        mail_from, rcpts, data, tls = messages[0]
        self.assertEqual((mail_from, rcpts, tls),
                         ("<sender@client.test>", ["<alice@example.test>"], False))
        self.assertIn(b"hello from swaks", data)
        self.assertTrue(mta.wait_queue_empty(40), mta.deferred_reasons())
        # Other domains are refused: the instance is not an open relay, even for localhost.
        code, transcript = send(mta.port, "bob@elsewhere.test")
        self.assertEqual(code, 24, transcript)  # swaks: no recipient accepted
        self.assertIn("554 5.7.1", transcript)

    def test_relay_mode_with_encrypt_uses_starttls_or_defers(self):
        receiver = self.receiver(self.tls_context())
        mta = self.postfix("relay", domain="example.test", relay_to=("127.0.0.1", receiver.port),
                           tls="encrypt")
        self.assertEqual(send(mta.port, "carol@example.test")[0], 0)
        messages = receiver.wait_for(1, timeout=40)
        self.assertEqual(len(messages), 1, mta.log_text())
        self.assertTrue(messages[0][3], "the message did not arrive over TLS")
        self.assertTrue(mta.wait_queue_empty(40), mta.deferred_reasons())
        self.assertIn("TLS connection established to 127.0.0.1", mta.log_text())
        # swaks speaks STARTTLS to the same receiver when told to.
        code, transcript = swaks(receiver.port, "erin@example.test", tls=True)
        self.assertEqual(code, 0, transcript)
        self.assertTrue(receiver.wait_for(2, timeout=40)[1][3])

        # A next hop without STARTTLS: the message waits in the queue, and says why.
        plain = self.receiver()
        strict = self.postfix("relay", domain="example.test",
                              relay_to=("127.0.0.1", plain.port), tls="encrypt")
        self.assertEqual(send(strict.port, "dave@example.test")[0], 0)
        deadline = time.monotonic() + 40
        reasons = []
        while not reasons and time.monotonic() < deadline:
            reasons = [r for r in strict.deferred_reasons() if r[2]]
            if not reasons:
                time.sleep(0.1)
        self.assertEqual(len(reasons), 1, strict.log_text())
        self.assertEqual(reasons[0][1], "dave@example.test")
        self.assertIn("TLS", reasons[0][2])
        self.assertEqual(plain.messages, [])

    def test_sink_mode_queues_then_discards(self):
        mta = self.postfix("sink", domain="bench.test")
        code, transcript = send(mta.port, "rcpt@bench.test")
        self.assertEqual(code, 0, transcript)
        self.assertIn("250 2.0.0 Ok: queued as", transcript)
        # The sink offers no STARTTLS: swaks told to require it gives up before MAIL.
        code, transcript = swaks(mta.port, "rcpt@bench.test", tls=True)
        self.assertEqual(code, 29, transcript)
        self.assertTrue(mta.wait_queue_empty(40), mta.deferred_reasons())
        # The log is written by postlogd, a moment after the delivery.
        deadline = time.monotonic() + 30
        while "status=sent" not in mta.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertRegex(mta.log_text(), r"postfix/discard\[\d+\]: \w+: to=<rcpt@bench.test>.*"
                                         r"status=sent")

    def test_stop_leaves_no_process_behind(self):
        mta = self.postfix("sink", domain="bench.test")
        pid = mta.master_pid
        self.assertIsNotNone(pid)
        mta.stop()
        self.assertFalse(mta.running())
        self.assertFalse(_alive(pid))
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", mta.port), timeout=2).close()


if __name__ == "__main__":
    unittest.main()
