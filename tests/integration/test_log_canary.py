"""No message content reaches the log, even at trace level: canary strings sent through every
listener (path, query, headers, body) must not appear in the log file or on the console."""
import unittest

from harness import SealmailServer

CANARY = "canary-5d1e0c7a"


class LogCanaryTest(unittest.TestCase):
    def test_request_content_is_never_logged(self):
        server = SealmailServer(self, config_overrides={("log", "level"): '"trace"'}).start()
        server.api_request("POST", f"/api/v1/health?q={CANARY}-query",
                           body=f"Subject: {CANARY}-body".encode(),
                           headers={"X-Note": f"{CANARY}-header", "Cookie": f"s={CANARY}-cookie"})
        server.api_request("GET", f"/api/v1/{CANARY}-path")
        with server.connect_api() as sock:  # a malformed request
            sock.sendall(f"{CANARY}-garbage\r\n\r\n".encode())
            sock.recv(4096)
        self.assertEqual(server.terminate(), 0)
        log = server.log.read_text()
        self.assertIn("POST", log)  # the requests were logged ...
        self.assertIn("405", log)
        self.assertNotIn(CANARY, log)  # ... without their content
        self.assertNotIn(CANARY, "".join(server.output))


if __name__ == "__main__":
    unittest.main()
