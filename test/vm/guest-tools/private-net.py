#!/usr/bin/env python3
"""TEST ONLY (not part of aspire-arm): the private network of a multi-VM scenario of
test/vm/boot.test.ts, and the stand-in for the stack's private DNS zone (Route 53 private hosted
zone / Cloud DNS private zone). Run from the test disk, only on a VM whose test disk has vm.json.

  private-net.py setup   (from import-images.sh, so before aspire-arm-app.service creates the
                          containers, which take the resolver from /etc/resolv.conf then)
      checks that the NIC with vm.json's MAC has vm.json's address, and only that one (systemd-networkd
      configured it at boot from a credential on the kernel command line: test/vm/vm.ts); starts the
      zone's resolver on that address (systemd-run, unit aspire-test-zone-dns); /etc/resolv.conf
      names it.
  private-net.py dns     the resolver itself (the transient unit's command).

vm.json: {"vm": NAME, "mac": MAC, "address": "10.10.0.11/24", "zone": "dev.aspire.internal",
          "records": {"data.dev.aspire.internal": "10.10.0.11", ...}, "images": [...], "reach": [...]}

The resolver answers what the private zone holds, as the cloud's resolver does for a VM of the
zone's network: an A record per VM (authoritative), no data for other types of those names,
NXDOMAIN for other names of the zone (no data for the apex), REFUSED for names outside it (there is no internet here:
nothing to recurse to). UDP only; every query is logged (the journal of aspire-test-zone-dns).
Containers reach it through Docker's embedded DNS, which forwards the names it does not own to the
host's nameservers, as on a cloud VM.
"""
import json
import os
import socket
import struct
import subprocess
import sys
import time

VM_JSON = "/mnt/aspire-test/vm.json"
UNIT = "aspire-test-zone-dns"


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def say(msg):
    print("aspire-test: private-net: %s (uptime %.1f)" % (msg, uptime()), flush=True)


def load():
    with open(VM_JSON) as f:
        return json.load(f)


def norm(name):
    return name.lower().rstrip(".")


def answer(query, zone, records):
    """The response to one DNS query (bytes), and a log line. Raises ValueError on a malformed one."""
    if len(query) < 12:
        raise ValueError("short")
    qid, flags, qdcount = struct.unpack("!3H", query[:6])
    if flags & 0x8000 or qdcount != 1:
        raise ValueError("not a query with one question")
    labels, i = [], 12
    while True:
        n = query[i]
        i += 1
        if n == 0:
            break
        if n & 0xC0:
            raise ValueError("compressed question name")
        labels.append(query[i:i + n].decode("ascii", "replace"))
        i += n
    qtype, qclass = struct.unpack("!HH", query[i:i + 4])
    question = query[12:i + 4]
    name = norm(".".join(labels))
    opcode = (flags >> 11) & 0xF
    answers = b""
    count = 0
    aa = 0
    if opcode != 0:
        rcode = 4  # NOTIMP
    elif name == zone or name.endswith("." + zone):
        aa = 0x0400
        if name in records or name == zone:
            rcode = 0
            if name in records and qtype in (1, 255) and qclass == 1:  # A, ANY
                answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(records[name])
                count = 1
        else:
            rcode = 3  # NXDOMAIN
    else:
        rcode = 5  # REFUSED
    out_flags = 0x8000 | (opcode << 11) | aa | (flags & 0x0100) | 0x0080 | rcode
    header = struct.pack("!6H", qid, out_flags, 1, count, 0, 0)
    kind = {1: "A", 28: "AAAA", 255: "ANY"}.get(qtype, str(qtype))
    result = records.get(name) if count else {0: "no data", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}[rcode]
    return header + question + answers, "%s %s -> %s" % (kind, name, result)


def serve():
    cfg = load()
    address = cfg["address"].split("/")[0]
    zone = norm(cfg["zone"])
    records = {norm(k): v for k, v in cfg["records"].items()}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((address, 53))
    say("zone %s resolver on %s:53: %s" % (zone, address, json.dumps(records)))
    while True:
        data, peer = s.recvfrom(4096)
        try:
            response, line = answer(data, zone, records)
        except (ValueError, IndexError, struct.error) as e:
            print("bad query from %s: %s" % (peer[0], e), flush=True)
            continue
        s.sendto(response, peer)
        print("from %s: %s" % (peer[0], line), flush=True)


def query_a(server, name, timeout=0.5):
    """The A record of name from server (a minimal client: the readiness check), or None."""
    q = struct.pack("!6H", 0x5A5A, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00" + struct.pack("!HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, (server, 53))
        data = s.recv(512)
    if struct.unpack("!H", data[6:8])[0] < 1:
        return None
    return socket.inet_ntoa(data[-4:])


def setup():
    cfg = load()
    mac = cfg["mac"].lower()
    address = cfg["address"]
    ip = address.split("/")[0]
    ifname = None
    for _ in range(300):
        for n in sorted(os.listdir("/sys/class/net")):
            try:
                with open("/sys/class/net/%s/address" % n) as f:
                    if f.read().strip().lower() == mac:
                        ifname = n
            except OSError:
                pass
        if ifname:
            break
        time.sleep(0.1)
    if not ifname:
        sys.exit("aspire-test: private-net: no NIC with MAC %s" % mac)
    # Configured by systemd-networkd at boot, from the network.network.05-aspire-test-private
    # credential the harness put on the kernel command line (test/vm/vm.ts): check it.
    got = []
    for _ in range(300):
        out = subprocess.run(["ip", "-4", "-o", "address", "show", "dev", ifname], capture_output=True, text=True).stdout
        got = [line.split()[3] for line in out.splitlines()]
        if got == [address]:
            break
        time.sleep(0.1)
    else:
        sys.exit("aspire-test: private-net: %s has %s, not only %s" % (ifname, got, address))
    say("%s %s up (%s)" % (ifname, address, mac))
    subprocess.run(["systemd-run", "--quiet", "--collect", "--unit", UNIT, "-p", "Type=exec",
                    sys.executable, os.path.abspath(__file__), "dns"], check=True)
    name = next(iter(cfg["records"]))
    for _ in range(100):
        try:
            if query_a(ip, name) == cfg["records"][name]:
                break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        sys.exit("aspire-test: private-net: the zone's resolver does not answer on %s:53" % ip)
    # What the cloud's DHCP options give a VM: its network's resolver. Docker reads this file when
    # it creates a container (the app's, later in aspire-arm-app.service).
    tmp = "/etc/resolv.conf.aspire-test"
    with open(tmp, "w") as f:
        f.write("# TEST ONLY (test/vm/guest-tools/private-net.py): the stand-in for the private zone's resolver\n")
        f.write("nameserver %s\n" % ip)
    os.chmod(tmp, 0o644)
    os.replace(tmp, "/etc/resolv.conf")
    say("resolver %s:53 answers for %s; /etc/resolv.conf names it" % (ip, cfg["zone"]))


if __name__ == "__main__":
    {"setup": setup, "dns": serve}[sys.argv[1]]()
