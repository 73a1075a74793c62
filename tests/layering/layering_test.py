#!/usr/bin/env python3
"""The layering check passes on the tree and fails on each kind of deliberate violation."""
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHECK = HERE / "check_layering.py"


def run_check(root):
    return subprocess.run([sys.executable, str(CHECK), str(root)], capture_output=True, text=True,
                          timeout=60)


class LayeringTest(unittest.TestCase):
    def test_tree_is_clean(self):
        result = run_check(ROOT)
        self.assertEqual(result.returncode, 0, result.stdout)

    def check_violation(self, rel_path, text, expected):
        with tempfile.TemporaryDirectory() as tmp:
            tree = pathlib.Path(tmp)
            shutil.copytree(ROOT / "src", tree / "src")
            target = tree / rel_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            result = run_check(tree)
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn(expected, result.stdout)

    def test_c_header_outside_its_adapter_fails(self):
        self.check_violation("src/net/leak.cc", '#include <sqlite3.h>\n',
                             "src/net/leak.cc:1: <sqlite3.h> belongs to src/store/sqlite/ only")
        self.check_violation("src/server/x.h", '#include "rnp/rnp.h"\n',
                             "<rnp/rnp.h> belongs to src/pgp/ only")
        self.check_violation("src/store/postgres_like.cc", "#include <libpq-fe.h>\n",
                             "belongs to src/store/postgres/ only")
        self.check_violation("src/http/m.cc", "#include <gmime/gmime.h>\n",
                             "belongs to src/mime/ only")
        self.check_violation("src/smtp/d.cc", "#include <unbound.h>\n",
                             "belongs to src/dns/ only")

    def test_adapter_folder_may_include_its_header(self):
        with tempfile.TemporaryDirectory() as tmp:
            tree = pathlib.Path(tmp)
            (tree / "src/store/sqlite").mkdir(parents=True)
            (tree / "src/store/sqlite/ok.cc").write_text("#include <sqlite3.h>\n")
            (tree / "tests").mkdir()
            (tree / "tests/peer.cc").write_text("#include <sqlite3.h>\n")
            self.assertEqual(run_check(tree).returncode, 0)

    def test_upward_include_fails(self):
        self.check_violation("src/base/up.h", '#include "net/engine.h"\n',
                             "src/base may not include net/engine.h")
        self.check_violation("src/net/side.cc", '#include "store/store.h"\n',
                             "src/net may not include store/store.h")
        self.check_violation("src/auth/side.cc", '#include "pgp/kdf.h"\n',
                             "src/auth may not include pgp/kdf.h")


if __name__ == "__main__":
    unittest.main()
