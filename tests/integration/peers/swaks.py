"""swaks, the SMTP test client, pointed at one loopback server.

    code, transcript = swaks(port, "alice@example.test", tls=True, ca_file=cert)

Always passes --server (without it swaks looks up the recipient domain's MX in DNS and sends
there), ignores ~/.swaksrc and SWAKS_OPT_* variables (`--config` with no file), and returns
swaks's exit code with the whole transcript. Exit codes (swaks(1) "EXIT CODES"): 0 sent,
2 cannot connect, 21 banner, 22 EHLO, 23 MAIL, 24 no RCPT accepted, 25 DATA refused,
26 message refused after the final ".", 29 TLS failed, 32 EHLO after STARTTLS.
"""
import os
import shutil
import subprocess

SWAKS = shutil.which("swaks") or "/usr/bin/swaks"
EXIT_NAMES = {0: "sent", 2: "connect", 6: "closed", 21: "banner", 22: "helo", 23: "mail",
              24: "rcpt", 25: "data", 26: "end of data", 29: "tls", 32: "ehlo after tls"}


def swaks(port, to, *, server="127.0.0.1", mail_from="sender@client.test",
          helo="client.test", data=None, headers=None, body=None, tls=False,
          tls_verify=False, ca_file=None, quit_after=None, extra=(), timeout=30):
    """Runs one swaks session; returns (exit code, transcript).

    data: the whole message (headers + body, "\\n" or "\\r\\n" line ends; swaks adds CRLFs and
    dot-stuffing); otherwise swaks builds one from headers (dict) and body.
    tls: require STARTTLS (exit 29 if the server does not offer it or the handshake fails);
    tls_verify with ca_file also checks the certificate. quit_after: "CONNECT", "EHLO",
    "TLS", "MAIL", "RCPT", ... to stop early (see swaks --quit-after).
    """
    if not str(server).startswith("127."):
        raise ValueError("tests talk to 127.0.0.0/8 only")
    args = [SWAKS, "--config", "--server", f"{server}:{port}", "--helo", helo,
            "--from", mail_from, "--to", to, "--timeout", str(timeout)]
    if data is not None:
        args += ["--data", data]
    for name, value in (headers or {}).items():
        args += ["--add-header", f"{name}: {value}"]
    if body is not None:
        args += ["--body", body]
    if tls:
        args.append("--tls")
    if tls_verify:
        args.append("--tls-verify")
    if ca_file:
        args += ["--tls-ca-path", str(ca_file)]
    if quit_after:
        args += ["--quit-after", quit_after]
    args += list(extra)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWAKS_")}
    result = subprocess.run(args, capture_output=True, text=True, env=env,
                            timeout=timeout * 4 + 10)
    return result.returncode, result.stdout + result.stderr
