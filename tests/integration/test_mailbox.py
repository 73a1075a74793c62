"""Organising a mailbox with the real `sealmail` client against a real server: folders and
labels with counts, moving, labelling, flagging, deleting to trash and emptying it (storage
use goes down), listing by folder, All Mail and label — and another account cannot touch
alice's folders, labels or messages."""
import json
import unittest

from harness import SealmailServer
from mail import MailClient

ALICE = "alice@example.test"
BOB = "bob@example.test"


class MailboxTest(unittest.TestCase):
    def setUp(self):
        self.server = SealmailServer(self).start()
        self.mail = MailClient(self, self.server)
        for address in (ALICE, BOB):
            self.mail.create(address)

    def sealmail(self, address, *args, check=True):
        return self.mail.run(*args, "--address", address, check=check)

    def json(self, address, *args):
        return json.loads(self.sealmail(address, *args, "--json").stdout)

    def folders(self, address):
        return {f["id"]: f for f in self.json(address, "folders", "list")}

    def storage_used(self, address):
        quota = json.loads(self.mail.run("user", "quota", address, "--json").stdout)
        return quota["storage_bytes"]["used"]

    def send_to_alice(self, subject):
        sent = self.mail.run("send", "--address", BOB, "--to", ALICE, "--subject", subject,
                             "--json", stdin=self.mail.passwords[BOB] + "\nHello.\n").stdout
        return json.loads(sent)["id"]

    def test_organise_alices_mail_and_bob_cannot_touch_it(self):
        first = self.send_to_alice("First")
        second = self.send_to_alice("Second")
        inbox = self.folders(ALICE)["inbox"]
        self.assertEqual(inbox["counts"], {"total": 2, "unread": 2})
        self.assertIn("all", self.folders(ALICE))

        folder = self.json(ALICE, "folders", "create", "Projects")["id"]
        label = self.json(ALICE, "labels", "create", "Urgent", "--color", "#ff0000")["id"]
        self.assertEqual(self.json(ALICE, "move", first, folder), {"changed": 1})
        self.assertEqual(self.json(ALICE, "flag", first, "--seen"), {"changed": 1})
        self.assertEqual(self.json(ALICE, "label", first, label), {"changed": 1})
        labelled = self.mail.run("list", "--json", "--address", ALICE, "--label", label,
                                 stdin=self.mail.passwords[ALICE] + "\n")
        self.assertEqual([m["id"] for m in json.loads(labelled.stdout)], [first])
        self.assertEqual(self.json(ALICE, "labels")[0]["counts"], {"total": 1, "unread": 0})

        folders = self.folders(ALICE)
        self.assertEqual(folders[folder]["name"], "Projects")
        self.assertEqual(folders[folder]["counts"], {"total": 1, "unread": 0})
        self.assertEqual(folders["inbox"]["counts"], {"total": 1, "unread": 1})
        self.assertEqual(folders["all"]["counts"], {"total": 2, "unread": 1})
        self.assertIn("Projects", self.sealmail(ALICE, "folders").stdout)

        listed = self.mail.list(ALICE, folder=folder)
        self.assertEqual([(m["id"], m["subject"]) for m in listed], [(first, "First")])
        self.assertEqual(listed[0]["flags"] & 1, 1)
        self.assertEqual({m["id"] for m in self.mail.list(ALICE, folder="all")}, {first, second})

        # Bob, with alice's ids: nothing found, nothing changed.
        self.assertEqual(self.json(BOB, "move", first, "trash"), {"changed": 0})
        self.assertEqual(self.json(BOB, "flag", second, "--seen"), {"changed": 0})
        refused = self.sealmail(BOB, "delete", first, check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertEqual(refused.stderr.strip(), f"sealmail: no message {first}")
        for args in (("folders", "rename", folder, "Mine"), ("folders", "delete", folder),
                     ("labels", "delete", label), ("move", second, folder),
                     ("label", second, label)):
            result = self.sealmail(BOB, *args, check=False)
            self.assertNotEqual(result.returncode, 0, args)
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertEqual(self.json(BOB, "labels"), [])
        self.assertNotIn(folder, self.folders(BOB))

        # Alice's things are as they were; then rename, delete to trash and empty it.
        self.assertEqual(self.folders(ALICE)[folder]["counts"], {"total": 1, "unread": 0})
        self.assertEqual(self.json(ALICE, "labels")[0]["name"], "Urgent")
        self.assertEqual(self.folders(ALICE)["inbox"]["counts"], {"total": 1, "unread": 1})
        self.sealmail(ALICE, "labels", "rename", label, "Later")
        self.assertEqual([l["name"] for l in self.json(ALICE, "labels")], ["Later"])
        used = self.storage_used(ALICE)
        self.assertEqual(self.json(ALICE, "delete", first, second),
                         {"moved_to_trash": 2, "deleted": 0})
        self.assertEqual(self.folders(ALICE)["trash"]["counts"]["total"], 2)
        self.assertEqual(self.folders(ALICE)["all"]["counts"]["total"], 0)
        self.assertEqual(self.storage_used(ALICE), used)
        self.assertEqual(self.json(ALICE, "folders", "empty", "trash"), {"changed": 2})
        self.assertLess(self.storage_used(ALICE), used)
        self.assertEqual(self.folders(ALICE)["trash"]["counts"]["total"], 0)

        # Bob's own copy in Sent is his to delete for good.
        sent = self.mail.list(BOB, folder="sent")
        self.assertEqual(self.json(BOB, "delete", "--now", sent[0]["id"]),
                         {"moved_to_trash": 0, "deleted": 1})
        self.sealmail(ALICE, "folders", "delete", folder)
        self.assertNotIn(folder, self.folders(ALICE))


if __name__ == "__main__":
    unittest.main()
