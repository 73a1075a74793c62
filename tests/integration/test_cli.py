"""The `sealmail` command as an operator meets it: --version, --help, init, config errors."""
import os
import pathlib
import re
import stat
import tempfile
import unittest

from harness import run_cli, SealmailServer

COMMANDS = [[], ["init"], ["server"],
            ["domain"], ["domain", "add"], ["domain", "list"],
            ["user"], ["user", "list"], ["user", "disable"], ["user", "enable"],
            ["user", "quota"], ["user", "invite"], ["user", "reset"],
            ["account"], ["account", "create"], ["account", "reset"], ["login"], ["logout"],
            ["2fa"], ["2fa", "enable"], ["2fa", "disable"], ["password"],
            ["password", "change"], ["recovery"], ["recovery", "show"], ["recovery", "use"],
            ["keys"], ["keys", "list"], ["keys", "export"], ["sessions"],
            ["sessions", "list"], ["sessions", "revoke"]]


class CliTest(unittest.TestCase):
    def test_version(self):
        result = run_cli("--version")
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout.strip(), r"^sealmail \d+\.\d+\.\d+$")

    def test_every_command_has_help(self):
        for command in COMMANDS:
            result = run_cli(*command, "--help")
            self.assertEqual(result.returncode, 0, command)
            self.assertIn("Usage:", result.stdout, command)
            self.assertIn("--help", result.stdout, command)

    def test_unknown_command_fails(self):
        result = run_cli("frobnicate")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("--help", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_init_writes_config_data_dir_and_private_key(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run_cli("init", "--dir", tmp, "--domain", "example.test")
            self.assertEqual(result.returncode, 0, result.stderr)
            root = pathlib.Path(tmp)
            config = (root / "sealmail.toml").read_text()
            self.assertIn('hostname = "mail.example.test"', config)
            self.assertIn('domain = "example.test"', config)
            self.assertEqual(stat.S_IMODE((root / "data").stat().st_mode), 0o700)
            self.assertEqual(stat.S_IMODE((root / "tls/key.pem").stat().st_mode), 0o600)
            self.assertIn("BEGIN CERTIFICATE", (root / "tls/cert.pem").read_text())

            again = run_cli("init", "--dir", tmp)
            self.assertEqual(again.returncode, 1)
            self.assertEqual(again.stderr, f"sealmail: {tmp}/sealmail.toml exists already; "
                                           "not overwriting it\n")

    def test_init_rejects_a_domain_that_is_not_a_dns_name(self):
        with tempfile.TemporaryDirectory() as tmp:
            result = run_cli("init", "--dir", tmp, "--domain", 'evil"\n[x]')
            self.assertEqual(result.returncode, 1)
            self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
            self.assertFalse((pathlib.Path(tmp) / "sealmail.toml").exists())


class ConfigErrorTest(unittest.TestCase):
    """A bad config stops the server with one line naming file, line and key."""

    def server_error(self, overrides):
        server = SealmailServer(self, config_overrides=overrides)
        result = run_cli("server", "--config", str(server.config), timeout=30)
        self.assertNotEqual(result.returncode, 0)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        return lines[0], server.config

    def line_of(self, config, key):
        for number, line in enumerate(config.read_text().splitlines(), 1):
            if line.startswith(key + " ="):
                return number
        self.fail(key)

    def test_unknown_key(self):
        error, config = self.server_error({("limits", "max_conections"): "5"})
        line = self.line_of(config, "max_conections")
        self.assertEqual(error, f"sealmail: {config}:{line}: limits.max_conections: unknown key")

    def test_wrong_type(self):
        error, config = self.server_error({("limits", "idle_timeout"): "300"})
        line = self.line_of(config, "idle_timeout")
        self.assertEqual(error, f"sealmail: {config}:{line}: limits.idle_timeout: "
                                "expected a string, got integer")

    def test_missing_file(self):
        result = run_cli("server", "--config", "/nonexistent/sealmail.toml")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, "sealmail: /nonexistent/sealmail.toml: cannot read the "
                                        "config file: No such file or directory\n")

    def test_config_from_environment(self):
        env_config = "/nonexistent/from-env.toml"
        os.environ["SEALMAIL_CONFIG"] = env_config
        try:
            result = run_cli("server")
        finally:
            del os.environ["SEALMAIL_CONFIG"]
        self.assertIn(env_config, result.stderr)
        self.assertEqual(result.returncode, 1)


if __name__ == "__main__":
    unittest.main()
