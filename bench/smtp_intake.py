#!/usr/bin/env python3
"""SMTP intake benchmark: how fast the MX accepts mail, against Postfix on the same disk.

Targets, each on 127.0.0.1 with a port the OS picked, both writing to the same filesystem
(temp dirs under --dir, default $TMPDIR):

  A  postfix   a private Postfix (tests/integration/peers/postfix.py, sink mode) that queues
               each message on disk (fsync before 250, Postfix's default) and then discards it
  B  sealmail  `sealmail server` with the mx role, delivering to one existing account

Per round, A and B are measured back to back (fsync on the development VMs drifts ~5× over
minutes, so only ratios within a round mean much):

  1. throughput: Postfix's `smtp-source -s SESSIONS -l SIZE -m MESSAGES` (a new connection
     per message unless --reuse), wall time -> messages/s. smtp-source stops at the first
     reply that is not 2xx/3xx, which makes the run fail rather than count refusals.
  2. latency: a Python asyncio client with SESSIONS connections sends --latency-messages
     messages of SIZE bytes and records each message's time from the end of DATA ("." sent)
     to the 250 reply: p50/p99.

Then it prints a table, B/A per round and the medians, and markdown rows for
docs/performance.md. Runtime is bounded: every run has --run-timeout, every start a bound.

    bench/smtp_intake.py                       # both targets, 3 rounds
    bench/smtp_intake.py --only postfix        # the baseline alone
    bench/smtp_intake.py --calibrate           # A/A: Postfix against Postfix, the noise floor
    bench/smtp_intake.py --sealmail-set 'log.level="warn"'

Needs root (Postfix runs as a private instance), Postfix (smtp-source) and build/sealmail.
"""
import argparse
import asyncio
import base64
import math
import os
import pathlib
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from peers.postfix import PostfixInstance, free_port  # noqa: E402

LISTENING = re.compile(r"^sealmail: (\w+) listening on (\S+):(\d+)", re.M)
DOMAIN = "bench.test"
RECIPIENT = f"rcpt@{DOMAIN}"
SENDER = "sender@client.test"
HELO = "client.test"
START_TIMEOUT = 30.0
DISCARDED = re.compile(r"postfix/discard\[\d+\]: \w+: to=<[^>]*>.*status=sent", re.M)
STOP_TIMEOUT = 40.0


# Targets ------------------------------------------------------------------------------------

class PostfixTarget:
    name = "postfix"
    label = "Postfix sink (baseline)"
    kept = "queued and discarded (its log)"

    def __init__(self, parent_dir, name=None, label=None):
        self.name = name or self.name
        self.label = label or self.label
        self.instance = PostfixInstance("sink", domain=DOMAIN, parent_dir=parent_dir)

    def start(self):
        self.instance.start()
        return ("127.0.0.1", self.instance.port)

    def settle(self, timeout):
        """Waits until the queued messages are discarded, so each run starts from an empty queue."""
        if not self.instance.wait_queue_empty(timeout):
            raise RuntimeError(f"Postfix queue not empty after {timeout} s: "
                               f"{self.instance.deferred_reasons()[:5]}")

    def delivered(self, expected, timeout=10.0):
        """Messages the discard transport took, per the log (postlogd writes it a bit later)."""
        deadline = time.monotonic() + timeout
        while True:
            count = len(DISCARDED.findall(self.instance.log_text()))
            if count >= expected or time.monotonic() > deadline:
                return count
            time.sleep(0.1)

    def stop(self):
        self.instance.close()


def set_toml(text, section, key, value):
    """Sets `key = value` (TOML text) in [section], adding the key or the section if missing."""
    header = f"[{section}]\n"
    if header not in text:
        return text.rstrip("\n") + f"\n\n{header}{key} = {value}\n"
    start = text.index(header)
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end + 1
    block = text[start:end]
    pattern = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M)
    if pattern.search(block):
        block = pattern.sub(lambda m: f"{key} = {value}", block, count=1)
    else:
        block = block.rstrip("\n") + f"\n{key} = {value}\n\n"
    return text[:start] + block + text[end:]


class SealmailTarget:
    """`sealmail server` with the api and mx roles in a temp dir; stopped by its PID."""
    name = "sealmail"
    label = "sealmail MX"
    kept = "stored (rows in its store)"
    PASSWORD = "the benchmark recipient's long password"

    def __init__(self, binary, parent_dir, overrides=(), roles=("api", "mx")):
        self.binary = binary
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="sealmail-bench-", dir=parent_dir))
        self.config = self.dir / "sealmail.toml"
        self.roles = list(roles)
        self.overrides = [
            ("server", "roles", "[" + ", ".join(f'"{r}"' for r in roles) + "]"),
            ("api", "listen", '["127.0.0.1:0"]'),
            *([("mx", "listen", '["127.0.0.1:0"]')] if "mx" in roles else []),
            # 50 sessions come from one address; the default allows 20 per address, and
            # 60 new connections per minute.
            ("limits", "max_connections_per_ip", "1000"),
            *([("mx", "connections_per_minute_per_ip", "100000000")] if "mx" in roles else []),
            # Every name here is under .test, which the resolver answers itself (NXDOMAIN);
            # anything else goes to a loopback port where nothing listens, never outside.
            ("dns", "forwarders", f'["127.0.0.1@{free_port()}"]'),
            ("dns", "timeout", '"2s"'),
            ("log", "file", f'"{self.dir / "sealmail.log"}"'),
            *overrides,
        ]
        self.process = None
        self.output = self.dir / "server.out"
        self.endpoints = {}

    def cli(self, *args, stdin="", env=None):
        result = subprocess.run([self.binary, *args], capture_output=True, text=True,
                                input=stdin, env=env, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"sealmail {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def start(self):
        self.cli("init", "--dir", str(self.dir), "--domain", DOMAIN)
        text = self.config.read_text()
        for section, key, value in self.overrides:
            text = set_toml(text, section, key, value)
        self.config.write_text(text)
        with open(self.output, "w") as out:
            self.process = subprocess.Popen([self.binary, "server", "--config", str(self.config)],
                                            stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while not all(role in self.endpoints for role in self.roles):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("sealmail server did not report its listeners: "
                                   + self.output.read_text())
            self.endpoints = {m.group(1): (m.group(2), int(m.group(3)))
                              for m in LISTENING.finditer(self.output.read_text())}
            time.sleep(0.05)
        self.create_recipient()
        return self.endpoints.get("mx")

    def create_recipient(self):
        home = self.dir / "client-home"
        home.mkdir()
        env = dict(os.environ, SEALMAIL_HOME=str(home), SEALMAIL_CONFIG=str(self.config))
        code = self.cli("user", "invite", env=env).strip()
        host, port = self.endpoints["api"]
        self.cli("account", "create", RECIPIENT, "--server", f"https://{host}:{port}",
                 "--invite", code, stdin=f"{self.PASSWORD}\n{self.PASSWORD}\n", env=env)

    def settle(self, timeout):
        pass  # a 250 from the MX means the message is stored; nothing runs behind it

    def delivered(self, expected):
        """Messages stored for the recipient (rows in the store's messages table)."""
        database = self.dir / "data" / "sealmail.db"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            return db.execute("SELECT count(*) FROM messages").fetchone()[0]

    def stop(self):
        try:
            if self.process and self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# Load generators ----------------------------------------------------------------------------

def run_smtp_source(endpoint, args):
    """smtp-source against ENDPOINT; returns (messages/s, wall seconds)."""
    host, port = endpoint
    command = ["smtp-source", "-s", str(args.sessions), "-l", str(args.size),
               "-m", str(args.messages), "-f", SENDER, "-t", RECIPIENT, "-M", HELO]
    if args.reuse:
        command.append("-d")
    command.append(f"{host}:{port}")
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, timeout=args.run_timeout)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"smtp-source failed ({result.returncode}): {result.stderr.strip()}")
    return args.messages / wall, wall


def message_text(rng, size, number):
    """A message of about SIZE payload bytes in 76-character lines, with a unique Message-ID."""
    payload = base64.b64encode(rng.randbytes(size * 3 // 4 + 3)).decode()[:size]
    lines = [payload[i:i + 76] for i in range(0, len(payload), 76)]
    headers = [f"From: <{SENDER}>", f"To: <{RECIPIENT}>", f"Subject: intake {number}",
               "Date: Tue, 24 Nov 2026 12:00:00 +0000",
               f"Message-ID: <intake-{number}-{rng.getrandbits(48):x}@{HELO}>"]
    return ("\r\n".join(headers + [""] + lines) + "\r\n.\r\n").encode()


async def read_reply(reader, timeout):
    lines = []
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise ConnectionError("connection closed: " + b"".join(lines).decode(errors="replace"))
        lines.append(line)
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), b"".join(lines).decode(errors="replace")


async def expect(reader, writer, command, code, timeout):
    if command is not None:
        writer.write(command)
    got, text = await read_reply(reader, timeout)
    if got != code:
        raise RuntimeError(f"{command!r}: expected {code}, got {text.strip()}")


async def latency_session(endpoint, bodies, next_index, latencies, args):
    timeout = 30.0
    reader = writer = None
    try:
        while True:
            index = next_index()
            if index is None:
                break
            if writer is None:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(*endpoint),
                                                        timeout)
                await expect(reader, writer, None, 220, timeout)
                await expect(reader, writer, f"EHLO {HELO}\r\n".encode(), 250, timeout)
            await expect(reader, writer, f"MAIL FROM:<{SENDER}>\r\n".encode(), 250, timeout)
            await expect(reader, writer, f"RCPT TO:<{RECIPIENT}>\r\n".encode(), 250, timeout)
            await expect(reader, writer, b"DATA\r\n", 354, timeout)
            writer.write(bodies[index % len(bodies)])
            await writer.drain()
            # The clock starts once "." has been handed to the kernel.
            started = time.perf_counter()
            code, text = await read_reply(reader, timeout)
            latencies.append(time.perf_counter() - started)
            if code != 250:
                raise RuntimeError(f"end of data: {text.strip()}")
            if not args.reuse:
                await expect(reader, writer, b"QUIT\r\n", 221, timeout)
                writer.close()
                await writer.wait_closed()
                reader = writer = None
    finally:
        if writer is not None:
            writer.close()


async def latency_run_async(endpoint, bodies, args):
    remaining = iter(range(args.latency_messages))
    latencies = []
    tasks = [latency_session(endpoint, bodies, lambda: next(remaining, None), latencies, args)
             for _ in range(args.sessions)]
    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*tasks), args.run_timeout)
    return latencies, time.perf_counter() - started


def percentile(sorted_values, fraction):
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def run_latency(endpoint, bodies, args):
    """Returns (messages/s, p50 ms, p99 ms) of the Python client."""
    latencies, wall = asyncio.run(latency_run_async(endpoint, bodies, args))
    latencies.sort()
    return (len(latencies) / wall, 1000 * percentile(latencies, 0.50),
            1000 * percentile(latencies, 0.99))


# Main ---------------------------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("postfix", "sealmail"),
                        help="run one target only (no ratios)")
    parser.add_argument("--calibrate", action="store_true",
                        help="A/A run: a second Postfix sink as B, to see the noise in B/A")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-m", "--messages", type=int, default=2000,
                        help="smtp-source messages per run (default 2000)")
    parser.add_argument("--latency-messages", type=int, default=1000,
                        help="messages per latency run (default 1000; 0 skips it)")
    parser.add_argument("-s", "--sessions", type=int, default=50)
    parser.add_argument("-l", "--size", type=int, default=10240, help="payload bytes")
    parser.add_argument("--reuse", action="store_true",
                        help="send every message of a session over one connection "
                             "(default: a new connection per message, as an MX mostly sees)")
    parser.add_argument("--warmup", type=int, default=200,
                        help="unmeasured messages per target before round 1")
    parser.add_argument("--run-timeout", type=float, default=300.0, help="bound per run (s)")
    parser.add_argument("--dir", default=None,
                        help="parent of both targets' temp dirs (same filesystem for both)")
    parser.add_argument("--sealmail-bin", default=os.environ.get("SEALMAIL_BIN")
                        or str(ROOT / "build" / "sealmail"))
    parser.add_argument("--sealmail-set", action="append", default=[], metavar="SECTION.KEY=TOML",
                        help="extra config override for sealmail (value in TOML), "
                             "e.g. 'log.level=\"warn\"'")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if not 1 <= args.rounds <= 20 or not 1 <= args.messages <= 100000:
        parser.error("--rounds must be 1..20 and --messages 1..100000")
    if not 0 <= args.latency_messages <= 100000 or not 1 <= args.sessions <= 500:
        parser.error("--latency-messages must be 0..100000 and --sessions 1..500")
    if args.calibrate and args.only:
        parser.error("--calibrate runs two Postfix sinks; it does not take --only")
    return args


def sealmail_overrides(items):
    overrides = []
    for item in items:
        name, _, value = item.partition("=")
        section, _, key = name.rpartition(".")
        if not section or not key or not value:
            raise SystemExit(f"--sealmail-set {item!r}: expected SECTION.KEY=TOML")
        overrides.append((section, key, value))
    return overrides


def fmt_rate(value):
    return "—" if value is None else f"{value:,.0f}/s"


def fmt_ms(value):
    return "—" if value is None else f"{value:.1f} ms"


def main():
    args = parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root: the Postfix baseline runs as a private instance")
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    bodies = [message_text(rng, args.size, i) for i in range(min(args.latency_messages, 500))]
    print(f"seed {seed}; {args.sessions} sessions, {args.size}-byte payload, "
          f"{args.messages} messages per smtp-source run, {args.latency_messages} per latency "
          f"run, {'one connection per session' if args.reuse else 'a connection per message'}",
          flush=True)

    targets = []
    if args.only in (None, "postfix"):
        targets.append(PostfixTarget(args.dir))
    if args.calibrate:
        targets.append(PostfixTarget(args.dir, "postfix2", "Postfix sink, second instance"))
    elif args.only in (None, "sealmail"):
        targets.append(SealmailTarget(args.sealmail_bin, args.dir,
                                      sealmail_overrides(args.sealmail_set)))
    results = {t.name: [] for t in targets}  # per round: dict
    try:
        endpoints = {}
        for target in targets:
            endpoints[target.name] = target.start()
            print(f"{target.label}: {endpoints[target.name][0]}:{endpoints[target.name][1]}",
                  flush=True)
        if args.warmup:
            warm = argparse.Namespace(**vars(args))
            warm.messages = args.warmup
            for target in targets:
                run_smtp_source(endpoints[target.name], warm)
                target.settle(120)
        for round_number in range(1, args.rounds + 1):
            row = {t.name: {"load": os.getloadavg()[0]} for t in targets}
            for target in targets:  # A B, back to back
                rate, wall = run_smtp_source(endpoints[target.name], args)
                target.settle(120)
                row[target.name].update(rate=rate, wall=wall)
                print(f"round {round_number} {target.name:8} smtp-source {rate:8.0f}/s "
                      f"({wall:.1f} s, load {os.getloadavg()[0]:.1f})", flush=True)
            for target in targets:
                if args.latency_messages:
                    rate, p50, p99 = run_latency(endpoints[target.name], bodies, args)
                    target.settle(120)
                    row[target.name].update(py_rate=rate, p50=p50, p99=p99)
                    print(f"round {round_number} {target.name:8} python client {rate:6.0f}/s "
                          f"p50 {p50:.1f} ms p99 {p99:.1f} ms", flush=True)
            for target in targets:
                results[target.name].append(row[target.name])
        for target in targets:
            if hasattr(target, "delivered"):
                expected = args.warmup + args.rounds * (args.messages + args.latency_messages)
                got = target.delivered(expected)
                warning = "" if got == expected else "  WARNING: not every 250 was kept"
                print(f"{target.label}: {got} of {expected} messages {target.kept}{warning}",
                      flush=True)
    finally:
        for target in targets:
            target.stop()
    report(args, targets, results)


def report(args, targets, results):
    print()
    print("| round | target | smtp-source | python client | p50 (EOD→250) | p99 (EOD→250) |")
    print("|---|---|---|---|---|---|")
    for i in range(args.rounds):
        for target in targets:
            r = results[target.name][i]
            print(f"| {i + 1} | {target.label} | {fmt_rate(r['rate'])} | "
                  f"{fmt_rate(r.get('py_rate'))} | {fmt_ms(r.get('p50'))} | "
                  f"{fmt_ms(r.get('p99'))} |")
    if len(targets) == 2:
        a, b = (results[t.name] for t in targets)
        ratios = [rb["rate"] / ra["rate"] for ra, rb in zip(a, b)]
        print()
        print(f"B/A ({targets[1].label} ÷ {targets[0].label}, smtp-source msgs/s) per round: "
              + ", ".join(f"{x:.2f}" for x in ratios) + f"; median {statistics.median(ratios):.2f}")
        if args.latency_messages:
            p99_ratios = [rb["p99"] / ra["p99"] for ra, rb in zip(a, b)]
            print("B/A p99 latency per round: " + ", ".join(f"{x:.2f}" for x in p99_ratios)
                  + f"; median {statistics.median(p99_ratios):.2f}")

    print()
    print("Medians for docs/performance.md:")
    print()
    print("| target | msgs/s (smtp-source) | p50 | p99 |")
    print("|---|---|---|---|")
    for target in targets:
        rows = results[target.name]
        med = lambda key: (statistics.median(r[key] for r in rows)  # noqa: E731
                           if all(key in r for r in rows) else None)
        print(f"| {target.label} | {fmt_rate(med('rate'))} | {fmt_ms(med('p50'))} | "
              f"{fmt_ms(med('p99'))} |")
    if len(targets) == 2:
        print(f"| B/A (median of per-round ratios) | {statistics.median(ratios):.2f}× | | "
              + (f"{statistics.median(p99_ratios):.2f}× |" if args.latency_messages else "|"))


if __name__ == "__main__":
    main()
