"""gpg as an outside correspondent: its own GNUPGHOME in a temp dir, keys without passphrase,
and the agent it starts stopped by the test's cleanup."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile


class Gpg:
    def __init__(self, test):
        self.test = test
        self.home = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-gpg-"))
        self.home.chmod(0o700)
        test.addCleanup(shutil.rmtree, self.home, ignore_errors=True)
        test.addCleanup(subprocess.run, ["gpgconf", "--homedir", str(self.home), "--kill", "all"],
                        capture_output=True, timeout=30)

    def run(self, *args, stdin=b"", check=True):
        result = subprocess.run(["gpg", "--homedir", str(self.home), "--batch", "--yes",
                                 "--pinentry-mode", "loopback", "--passphrase", "", *args],
                                input=stdin, capture_output=True, timeout=120)
        if check:
            self.test.assertEqual(result.returncode, 0, result.stderr.decode(errors="replace"))
        return result

    def generate(self, address):
        """An Ed25519/Cv25519 key for `address`; returns the armored public key's file."""
        self.run("--quick-gen-key", address, "future-default", "default", "never")
        path = self.home / f"{address}.asc"
        path.write_bytes(self.run("--armor", "--export", address).stdout)
        return path

    def import_key(self, armored):
        self.run("--import", stdin=armored if isinstance(armored, bytes) else armored.encode())

    def decrypt(self, message):
        """Decrypts the armored OpenPGP message inside `message` (a PGP/MIME mail); returns the
        plaintext and gpg's status lines."""
        block = re.search(rb"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", message,
                          re.S)
        self.test.assertIsNotNone(block, "no OpenPGP message in the mail")
        result = self.run("--status-fd", "2", "--decrypt", stdin=block.group(0))
        return result.stdout, result.stderr.decode(errors="replace")
