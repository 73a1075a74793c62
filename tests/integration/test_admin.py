"""`sealmail domain …` and `sealmail user …` on a store made by `sealmail init`."""
import json
import unittest

from harness import SealmailServer, run_cli


class AdminTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(self)
        self.config = str(self.server.config)

    def admin(self, *args, ok=True):
        result = run_cli(*args, "--config", self.config)
        if ok:
            self.assertEqual(result.returncode, 0, result.stderr)
        else:
            self.assertNotEqual(result.returncode, 0, result.stdout)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
            self.assertTrue(result.stderr.startswith("sealmail: "), result.stderr)
        return result

    def test_domains(self):
        self.assertEqual(self.admin("domain", "list").stdout, "example.test\n")
        self.assertEqual(self.admin("domain", "add", "Other.TEST").stdout, "hosting other.test\n")
        listed = json.loads(self.admin("domain", "list", "--json").stdout)
        self.assertEqual([d["name"] for d in listed], ["example.test", "other.test"])
        again = self.admin("domain", "add", "other.test", ok=False)
        self.assertIn("hosted already", again.stderr)
        bad = self.admin("domain", "add", "not a domain", ok=False)
        self.assertIn("not a DNS name", bad.stderr)

    def test_users_of_an_empty_server_and_unknown_addresses(self):
        self.assertEqual(self.admin("user", "list").stdout, "")
        self.assertEqual(json.loads(self.admin("user", "list", "--json").stdout), [])
        for command in (["user", "disable", "x@example.test"],
                        ["user", "quota", "x@example.test"],
                        ["user", "reset", "x@example.test"]):
            result = self.admin(*command, ok=False)
            self.assertIn("no account has the address x@example.test", result.stderr)

    def test_invite_codes_are_printed_once_on_stdout(self):
        result = self.admin("user", "invite", "--expires", "2d")
        code = result.stdout.strip()
        self.assertRegex(code, r"^[A-Za-z0-9_-]{43}$")
        self.assertIn("valid for 2d", result.stderr)
        bound = self.admin("user", "invite", "--address", "carol@example.test")
        self.assertIn("for carol@example.test", bound.stderr)
        self.assertNotEqual(bound.stdout.strip(), code)
        bad = self.admin("user", "invite", "--expires", "soon", ok=False)
        self.assertIn("soon", bad.stderr)

    def test_admin_only_signup_needs_an_address_on_every_code(self):
        self.server.set_config({("accounts", "signup"): '"admin-only"'})
        result = self.admin("user", "invite", ok=False)
        self.assertIn("--address", result.stderr)
        self.admin("user", "invite", "--address", "dave@example.test")


if __name__ == "__main__":
    unittest.main()
