"""A private Postfix instance on loopback, for integration tests and benchmarks.

Each PostfixInstance lives in its own temp dir:

    ROOT/etc/main.cf, master.cf   config_directory (always passed as an absolute `-c` path:
                                   a relative one silently starts nothing)
    ROOT/spool/                   queue_directory (subfolders made and chowned to `postfix`
                                   by `postfix start`, which runs `post-install create-missing`)
    ROOT/data/                    data_directory
    ROOT/maillog                  maillog_file (no syslog; postlogd writes it)

It runs as root with mail_owner `postfix` (the Debian package made the user), listens only
on one loopback address with a port the OS picked, runs no daemon chrooted and never
delivers locally or looks anything up in DNS (numeric next hops, native host lookups, no
reverse lookup of clients). Mail injected from 127.0.0.0/8 (`mynetworks`) is accepted for
`domain` (or for any domain when `domain` is None) and then, by mode:

- "relay": sent on with Postfix's SMTP client to `relay_to` = (address, port), with
  `smtp_tls_security_level` = `tls` ("none", "may", "encrypt", "verify", ...). This is the
  remote MTA that sends mail to our MX in tests. Retries are fast (1 s) unless fast_retry is
  False, so a test that makes our server answer 4xx can watch the retry.
- "sink": written to the disk queue (cleanup fsyncs before smtpd answers 250, Postfix's
  default) and then discarded by the `discard` transport. This is the benchmark baseline.

Bounces and double bounces can only go to the `error` transport (or back to `relay_to` when
`domain` is None), so nothing leaves the machine. The instance is stopped by the master's PID
from spool/pid/master.pid: `postfix -c DIR stop`, then SIGKILL to the master and the children
it had if it is still there after a bound.

    with PostfixInstance("relay", domain="example.test", relay_to=("127.0.0.1", port)) as mta:
        ... inject on ("127.0.0.1", mta.port) ...
        mta.wait_queue_empty(30) or print(mta.deferred_reasons(), mta.log_text())
"""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"
POSTQUEUE = shutil.which("postqueue") or "/usr/sbin/postqueue"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0
QUEUE_SUBDIRS = ("maildrop", "incoming", "active", "deferred", "hold")

# Every service runs unchrooted (the temp dir is not a chroot jail) and nothing delivers
# locally. Columns: service type private unpriv chroot wakeup maxproc command.
MASTER_CF = """\
{listen} inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port(address="127.0.0.1"):
    """A port the OS says is free now (Postfix cannot be told to listen on port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is gone for our purposes
        return pathlib.Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _children(pid):
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class PostfixError(RuntimeError):
    pass


class PostfixInstance:
    def __init__(self, mode, domain=None, relay_to=None, tls="may", address="127.0.0.1",
                 port=None, myhostname=None, fast_retry=True, tls_ca_file=None,
                 extra_config=None, parent_dir=None):
        if mode not in ("relay", "sink"):
            raise ValueError(f"mode must be 'relay' or 'sink', not {mode!r}")
        if mode == "relay" and relay_to is None:
            raise ValueError("relay mode needs relay_to=(address, port)")
        if not address.startswith("127."):
            raise ValueError("a test Postfix listens on 127.0.0.0/8 only")
        self.mode = mode
        self.domain = domain
        self.relay_to = relay_to
        self.tls = tls
        self.address = address
        self.port = port or free_port(address)
        # Must differ from the name of the server we relay to: Postfix refuses to deliver to a
        # server that greets with its own myhostname ("mail for X loops back to myself").
        self.myhostname = myhostname or f"postfix-{mode}.peer.test"
        self.fast_retry = fast_retry
        self.tls_ca_file = tls_ca_file
        self.extra_config = dict(extra_config or {})
        self.root = pathlib.Path(tempfile.mkdtemp(prefix=f"postfix-{mode}-", dir=parent_dir))
        self.root = self.root.resolve()
        # Postfix daemons run as `postfix` and must reach data/ and spool/ below the temp dir.
        os.chmod(self.root, 0o755)
        self.config_dir = self.root / "etc"
        self.queue_dir = self.root / "spool"
        self.data_dir = self.root / "data"
        self.maillog = self.root / "maillog"
        for folder in (self.config_dir, self.queue_dir):
            folder.mkdir(mode=0o755)
        self.master_pid = None
        self._write_config()

    # Configuration ------------------------------------------------------------------------

    def main_cf(self):
        """main.cf parameters as a dict (written in this order)."""
        cf = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.queue_dir),
            "data_directory": str(self.data_dir),
            "maillog_file": str(self.maillog),
            "maillog_file_prefixes": str(self.root),
            "myhostname": self.myhostname,
            "myorigin": "$myhostname",
            "mydestination": "",
            "local_transport": "error:5.1.1 local delivery is off in this test instance",
            "alias_maps": "",
            "alias_database": "",
            "biff": "no",
            "append_dot_mydomain": "no",
            "inet_interfaces": self.address,
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "smtpd_banner": "$myhostname ESMTP",
            "smtpd_peername_lookup": "no",
            "smtp_dns_support_level": "disabled",
            "smtp_host_lookup": "native",
            "smtp_bind_address": self.address,
            "smtp_tls_loglevel": "1",
        }
        if self.domain:
            # Only the domain under test; anything else (bounces included) hits `error`.
            cf["relay_domains"] = self.domain
            cf["smtpd_relay_restrictions"] = "reject_unauth_destination"
            cf["default_transport"] = "error:5.7.1 this test instance delivers nowhere else"
        else:
            cf["smtpd_relay_restrictions"] = "permit_mynetworks, reject_unauth_destination"
        if self.mode == "relay":
            host, port = self.relay_to
            if not str(host).startswith("127."):
                raise ValueError("a test Postfix relays to 127.0.0.0/8 only")
            nexthop = f"[{host}]:{port}"
            if self.domain:
                cf["transport_maps"] = f"inline:{{ {self.domain}=smtp:{nexthop} }}"
            else:
                cf["relayhost"] = nexthop
                cf["default_transport"] = "smtp"
            cf["smtp_tls_security_level"] = self.tls
            if self.tls_ca_file:
                cf["smtp_tls_CAfile"] = str(self.tls_ca_file)
            if self.fast_retry:
                cf.update(queue_run_delay="1s", minimal_backoff_time="1s",
                          maximal_backoff_time="5s")
        else:
            if self.domain:
                cf["transport_maps"] = f"inline:{{ {self.domain}=discard: }}"
            else:
                cf["default_transport"] = "discard"
        cf.update(self.extra_config)
        return cf

    def _write_config(self):
        text = "".join(f"{key} = {value}\n" for key, value in self.main_cf().items())
        (self.config_dir / "main.cf").write_text(text)
        (self.config_dir / "master.cf").write_text(
            MASTER_CF.format(listen=f"{self.address}:{self.port}"))

    def _postfix(self, *args, timeout=60):
        return subprocess.run([POSTFIX, "-c", str(self.config_dir), *args],
                              capture_output=True, text=True, timeout=timeout)

    # Life cycle ---------------------------------------------------------------------------

    def start(self):
        """Starts the master and waits (bounded) until smtpd answers with a 220 greeting."""
        result = self._postfix("start")
        if result.returncode != 0:
            raise PostfixError(f"postfix start failed ({result.returncode}): "
                               f"{result.stdout}{result.stderr}\n{self.log_text()}")
        deadline = time.monotonic() + START_TIMEOUT
        last_error = None
        while time.monotonic() < deadline:
            if self.master_pid is None:
                self.master_pid = self._read_master_pid()
            try:
                with socket.create_connection((self.address, self.port), timeout=2) as sock:
                    greeting = sock.recv(512)
                    if greeting.startswith(b"220"):
                        sock.sendall(b"QUIT\r\n")
                        if self.master_pid is None:
                            self.master_pid = self._read_master_pid()
                        return self
                    last_error = f"greeting {greeting!r}"
            except OSError as error:
                last_error = error
            time.sleep(0.05)
        self.stop()
        raise PostfixError(f"Postfix did not answer on {self.address}:{self.port} within "
                           f"{START_TIMEOUT} s ({last_error}):\n{self.log_text()}")

    def _read_master_pid(self):
        try:
            return int((self.queue_dir / "pid" / "master.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def running(self):
        return self.master_pid is not None and _alive(self.master_pid)

    def stop(self):
        """`postfix stop`; the master (and its children) are killed if still there after a bound."""
        pid = self.master_pid or self._read_master_pid()
        if pid is None:
            return
        try:
            self._postfix("stop", timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            for child in _children(pid):
                try:
                    os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + STOP_TIMEOUT
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        self.master_pid = None

    def close(self):
        """Stops Postfix and removes the temp dir."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # Looking inside -----------------------------------------------------------------------

    def log_text(self):
        try:
            return self.maillog.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def queue_size(self):
        """Messages in the queue (counted from the queue folders; no daemon needed)."""
        count = 0
        for sub in QUEUE_SUBDIRS:
            for _, _, files in os.walk(self.queue_dir / sub):
                count += len(files)
        return count

    def wait_queue_empty(self, timeout):
        """True once no message is queued; False if there still is one after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            if self.queue_size() == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def queue(self):
        """`postqueue -j`: one dict per queued message (see postqueue(1))."""
        result = subprocess.run([POSTQUEUE, "-c", str(self.config_dir), "-j"],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise PostfixError(f"postqueue -j: {result.stderr}")
        return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]

    def deferred_reasons(self):
        """[(queue_id, recipient, reason)] for every queued recipient Postfix says why it waits."""
        reasons = []
        for message in self.queue():
            for recipient in message.get("recipients", []):
                reasons.append((message.get("queue_id"), recipient.get("address"),
                                recipient.get("delay_reason", "")))
        return reasons

    def flush(self):
        """Asks the queue manager to retry deferred mail now (`postqueue -f`)."""
        subprocess.run([POSTQUEUE, "-c", str(self.config_dir), "-f"], capture_output=True,
                       text=True, timeout=30, check=True)
