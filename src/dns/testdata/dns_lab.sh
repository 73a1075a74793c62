#!/bin/sh
# dns_lab.sh — a throwaway authoritative DNS server (BIND 9) for the libunbound resolver's
# tests. `start DIR` writes three zones into DIR, signs two of them, starts `named` on
# 127.0.0.1 and a free port, waits (bounded) until it answers, and prints the port. `stop DIR`
# ends that named by the PID it wrote, and nothing else.
#
# Zones (docs: src/dns/unbound_resolver_test.cc):
#   sealmail.test   signed; DIR/trust-anchors holds its DNSKEY          → secure answers
#   plain.test      unsigned, no anchor                                 → insecure answers
#   broken.test     signed by one key, anchored to another              → bogus answers
#   2.0.192.in-addr.arpa, 8.b.d.0.1.0.0.2.ip6.arpa   unsigned reverse zones for PTR
#
# Everything lives in DIR: configuration, keys, zones, the pid file, the log. Listens only on
# 127.0.0.1; recursion is off; no control channel.
set -eu

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command="$1"
dir="$2"

free_port() {
  python3 -c 'import socket
for _ in range(20):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        t.close(); u.close()'
}

write_zones() {
  serial=1
  cat > "$dir/sealmail.test.zone" <<EOF
\$TTL 300
@          SOA   ns.sealmail.test. hostmaster.sealmail.test. $serial 3600 600 86400 300
@          NS    ns.sealmail.test.
ns         A     127.0.0.1
@          MX    10 mx1.sealmail.test.
@          MX    20 MX2.Sealmail.TEST.
mx1        A     192.0.2.11
nullmx     MX    0 .
spf        TXT   "v=spf1 " "ip4:192.0.2.0/24" " -all"
multi      TXT   "first"
multi      TXT   "second"
multi      A     192.0.2.1
multi      A     192.0.2.2
host       A     192.0.2.10
host       AAAA  2001:db8::10
empty      TXT   ""
EOF
  cat > "$dir/plain.test.zone" <<EOF
\$TTL 300
@          SOA   ns.plain.test. hostmaster.plain.test. $serial 3600 600 86400 300
@          NS    ns.plain.test.
ns         A     127.0.0.1
www        A     192.0.2.20
www        TXT   "plain text"
EOF
  cat > "$dir/broken.test.zone" <<EOF
\$TTL 300
@          SOA   ns.broken.test. hostmaster.broken.test. $serial 3600 600 86400 300
@          NS    ns.broken.test.
ns         A     127.0.0.1
www        A     192.0.2.30
EOF
  cat > "$dir/reverse4.zone" <<EOF
\$TTL 300
@          SOA   ns.plain.test. hostmaster.plain.test. $serial 3600 600 86400 300
@          NS    ns.plain.test.
10         PTR   Host.Sealmail.test.
10         PTR   alias.plain.test.
EOF
  cat > "$dir/reverse6.zone" <<EOF
\$TTL 300
@          SOA   ns.plain.test. hostmaster.plain.test. $serial 3600 600 86400 300
@          NS    ns.plain.test.
0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 PTR host.sealmail.test.
EOF
}

# sign ZONE KEYNAME: signs DIR/ZONE.zone with the key pair DIR/KEYNAME.{key,private} into
# DIR/ZONE.signed. One key signs everything (-z): a combined signing key keeps the lab small.
sign() {
  echo "\$INCLUDE $dir/$2.key" >> "$dir/$1.zone"
  dnssec-signzone -q -z -K "$dir" -d "$dir" -o "$1" -f "$dir/$1.signed" "$dir/$1.zone" \
    "$dir/$2" > /dev/null
}

keygen() {
  dnssec-keygen -q -K "$dir" -a ECDSAP256SHA256 -f KSK -n ZONE "$1"
}

start() {
  mkdir -p "$dir"
  write_zones
  sealmail_key=$(keygen sealmail.test)
  broken_key=$(keygen broken.test)
  other_key=$(keygen broken.test)  # the anchor for broken.test: never signs anything
  sign sealmail.test "$sealmail_key"
  sign broken.test "$broken_key"
  grep -v '^;' "$dir/$sealmail_key.key" > "$dir/trust-anchors"
  grep -v '^;' "$dir/$other_key.key" >> "$dir/trust-anchors"

  attempt=0
  while [ $attempt -lt 5 ]; do
    attempt=$((attempt + 1))
    port=$(free_port)
    cat > "$dir/named.conf" <<EOF
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  session-keyfile "$dir/session.key";
  managed-keys-directory "$dir";
  listen-on port $port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-query { 127.0.0.1; };
};
controls { };
zone "sealmail.test" { type primary; file "$dir/sealmail.test.signed"; };
zone "broken.test" { type primary; file "$dir/broken.test.signed"; };
zone "plain.test" { type primary; file "$dir/plain.test.zone"; };
zone "2.0.192.in-addr.arpa" { type primary; file "$dir/reverse4.zone"; };
zone "8.b.d.0.1.0.0.2.ip6.arpa" { type primary; file "$dir/reverse6.zone"; };
EOF
    # -f: stay in the foreground so $! is named itself; -n 1: one worker thread.
    named -c "$dir/named.conf" -f -n 1 > "$dir/named.log" 2>&1 &
    echo $! > "$dir/lab.pid"
    tries=0
    while [ $tries -lt 50 ]; do
      if ! kill -0 "$(cat "$dir/lab.pid")" 2>/dev/null; then break; fi
      if dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 sealmail.test SOA 2>/dev/null \
          | grep -q hostmaster; then
        echo "$port"
        return 0
      fi
      tries=$((tries + 1))
      sleep 0.1
    done
    stop
  done
  echo "dns_lab: named did not start; see $dir/named.log" >&2
  exit 1
}

stop() {
  [ -f "$dir/lab.pid" ] || return 0
  pid=$(cat "$dir/lab.pid")
  rm -f "$dir/lab.pid"
  kill "$pid" 2>/dev/null || return 0
  tries=0
  while kill -0 "$pid" 2>/dev/null && [ $tries -lt 50 ]; do
    tries=$((tries + 1))
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
}

case "$command" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
