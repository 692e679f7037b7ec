#!/usr/bin/env python3
"""TEST ONLY (not part of aspire-arm): the guest side of test/vm/boot.test.ts, run from the test
disk (/mnt/aspire-test/tools) by aspire-test-probe.service of the test image.

At every boot: waits for cloud-init to finish and for the app to be healthy (every compose service
running, the proxy on port 80 answering with Redis reached), collects what the host checks into
/mnt/aspire-results/boot-N.json (a disk of its own), prints `ASPIRE-TEST READY boot=N` on the
console, then obeys the lines the host writes to the virtio port aspire.ctl: `reboot`, `poweroff`,
and on a VM of a multi-VM scenario (vm.json on its test disk) `reach`: TCP connections from this VM
to the other VMs' names and ports that vm.json lists, into /mnt/aspire-results/reach.json, then
`ASPIRE-TEST REACH done` on the console. Without the port it powers off by itself.
"""
import glob
import json
import os
import socket
import subprocess
import time
import urllib.request

RESULTS = "/mnt/aspire-results"
SECRETS = "/mnt/aspire-test/secrets.json"
VM_JSON = "/mnt/aspire-test/vm.json"
CTL = "/dev/virtio-ports/aspire.ctl"
APP = "/etc/aspire-arm/app"
DEADLINE = 25 * 60


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


def say(msg):
    print("ASPIRE-TEST %s uptime=%.1f" % (msg, uptime()), flush=True)


def sh(cmd, timeout=120):
    try:
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"


def http_root():
    try:
        with urllib.request.urlopen("http://127.0.0.1:80/", timeout=10) as r:
            return r.status, json.loads(r.read().decode())
    except Exception as e:  # noqa: BLE001
        return None, {"error": "%s: %s" % (type(e).__name__, e)}


def expected_services():
    try:
        import yaml  # cloud-init's dependency
        with open(APP + "/compose.yaml") as f:
            return sorted(yaml.safe_load(f)["services"])
    except Exception:  # noqa: BLE001
        return None


def compose_ps():
    rc, out, _ = sh("docker compose -p aspire ps -a --format json", 60)
    rows = []
    if rc == 0:
        text = out.strip()
        if text.startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [{"service": r.get("Service"), "state": r.get("State"), "status": r.get("Status"), "name": r.get("Name")} for r in rows]


def healthy():
    want = expected_services()
    if not want:
        return False, "no compose.yaml yet"
    ps = compose_ps()
    running = sorted(r["service"] for r in ps if r["state"] == "running")
    if running != want:
        return False, "running %s of %s" % (running, want)
    if "caddy" not in want:
        return True, "ok (no proxy on this VM)"
    code, body = http_root()
    if code != 200 or body.get("redis") != "PONG":
        return False, "proxy: %s %s" % (code, body)
    return True, "ok"


def show(unit, props):
    rc, out, _ = sh("systemctl show %s -p %s" % (unit, ",".join(props)))
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def connect(host, port, send=None):
    """One TCP connection from this VM, by name (resolved as the app resolves it)."""
    r = {"host": host, "port": port}
    try:
        r["address"] = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except OSError as e:
        r["result"] = "unresolved: %s" % e
        return r
    t = time.monotonic()
    try:
        with socket.create_connection((r["address"], port), timeout=5) as s:
            r["result"] = "open"
            if send:
                s.sendall(send.encode())
                s.settimeout(5)
                r["reply"] = s.recv(200).decode("utf-8", "replace").strip()
    except ConnectionRefusedError:
        r["result"] = "refused"
    except socket.timeout:
        r["result"] = "timeout"
    except OSError as e:
        r["result"] = "error: %s" % e
    r["ms"] = round((time.monotonic() - t) * 1000)
    return r


def reach():
    """The checks vm.json lists ({host, port, expect, send?, why}), and what the zone's stand-in
    resolver on this VM was asked (its journal)."""
    with open(VM_JSON) as f:
        cfg = json.load(f)
    out = {"vm": cfg.get("vm"), "uptime": uptime(), "checks": []}
    for c in cfg.get("reach", []):
        r = connect(c["host"], c["port"], c.get("send"))
        r["expect"] = c["expect"]
        r["why"] = c.get("why")
        out["checks"].append(r)
    rc, text, _ = sh("journalctl -b -u aspire-test-zone-dns -o cat --no-pager")
    out["zone_dns_log"] = text.splitlines()[-80:]
    return out


def write_result(name, data):
    path = "%s/%s" % (RESULTS, name)
    with open(path + ".new", "w") as f:
        json.dump(data, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(path + ".new", path)
    fd = os.open(RESULTS, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    os.sync()


def main():
    start = uptime()
    os.makedirs(RESULTS, exist_ok=True)
    boot = len(glob.glob(RESULTS + "/boot-*.json")) + 1
    say("probe start boot=%d" % boot)
    deadline = start + DEADLINE
    res = {"boot": boot, "probe_start_uptime": start}
    with open("/proc/sys/kernel/random/boot_id") as f:
        res["boot_id"] = f.read().strip()

    # 1. cloud-init done: /run/cloud-init/result.json is written when the final stage ends.
    while not os.path.exists("/run/cloud-init/result.json") and uptime() < deadline:
        time.sleep(1)
    res["cloud_init_done_uptime"] = uptime() if os.path.exists("/run/cloud-init/result.json") else None
    say("cloud-init finished boot=%d" % boot)
    rc, out, err = sh("cloud-init status --long --format json")
    try:
        res["cloud_init_status"] = json.loads(out)
    except ValueError:
        res["cloud_init_status"] = {"raw": out, "stderr": err}
    res["cloud_init_status_rc"] = rc
    for name in ("result", "status"):
        try:
            with open("/run/cloud-init/%s.json" % name) as f:
                res["cloud_init_" + name + "_json"] = json.load(f)
        except (OSError, ValueError) as e:
            res["cloud_init_" + name + "_json"] = {"error": str(e)}
    with open("/proc/stat") as f:
        res["btime"] = int(next(line for line in f if line.startswith("btime")).split()[1])

    # 2. The app healthy.
    why = ""
    ok = False
    while uptime() < deadline:
        ok, why = healthy()
        if ok:
            break
        time.sleep(2)
    res["healthy"] = ok
    res["healthy_reason"] = why
    res["healthy_uptime"] = uptime() if ok else None
    say("app %s boot=%d (%s)" % ("healthy" if ok else "NOT healthy", boot, why))

    # 3. Evidence.
    res["compose_ps"] = compose_ps()
    res["expected_services"] = expected_services()
    res["http_root"] = http_root()[1]
    res["app_unit"] = show("aspire-arm-app.service", ["ActiveState", "SubState", "Result", "NRestarts", "ExecMainStatus", "ActiveEnterTimestampMonotonic"])
    res["images_unit"] = show("aspire-test-images.service", ["ActiveState", "Result", "ExecMainStartTimestampMonotonic", "ExecMainExitTimestampMonotonic"])
    res["docker_unit"] = show("docker.service", ["ActiveState", "ExecMainStartTimestampMonotonic", "After", "RequiresMountsFor"])
    res["data_mount_unit"] = show("var-lib-aspire\\\\x2darm-data.mount", ["ActiveState", "ActiveEnterTimestampMonotonic", "Before", "WantedBy", "RequiredBy"])
    rc, out, _ = sh("stat -c '%a %U:%G %s' /run/aspire-arm/secrets.env")
    res["secrets_env_stat"] = out.strip() if rc == 0 else None
    rc, out, _ = sh("stat -c '%a %U:%G' /run/aspire-arm")
    res["run_dir_stat"] = out.strip() if rc == 0 else None
    rc, out, _ = sh("grep -h 'aspire-arm' /var/log/cloud-init-output.log")
    res["bootstrap_log"] = out.splitlines()[-60:]
    rc, out, _ = sh("journalctl -b -u aspire-arm-app.service -o short-monotonic --no-pager")
    res["app_unit_journal"] = out.splitlines()[-60:]
    rc, out, _ = sh("findmnt -J /var/lib/aspire-arm/data")
    res["data_mount"] = json.loads(out)["filesystems"][0] if rc == 0 and out.strip() else None
    res["fstab"] = open("/etc/fstab").read().splitlines()
    rc, out, _ = sh("blkid -o export /dev/vdb")
    res["vdb_blkid"] = out.splitlines() if rc == 0 else None
    rc, out, _ = sh("docker images --format '{{.Repository}}:{{.Tag}}'")
    res["images"] = out.split()
    rc, out, _ = sh("docker volume ls --format '{{.Name}}'")
    res["volumes"] = out.split()
    rc, out, _ = sh("ls -la /var/lib/aspire-arm/data/volumes/*/ 2>&1")
    res["volume_dirs"] = out.splitlines()[-40:]
    rc, out, _ = sh("systemctl --failed --no-legend --plain")
    res["failed_units"] = out.splitlines()
    if os.path.exists(VM_JSON):
        with open(VM_JSON) as f:
            res["vm_json"] = json.load(f)
        rc, out, _ = sh("ip -4 -o address show")
        res["addresses"] = out.splitlines()
        res["resolv_conf"] = open("/etc/resolv.conf").read().splitlines()
        rc, out, _ = sh("journalctl -b -u aspire-test-images.service -o cat --no-pager")
        res["images_unit_journal"] = out.splitlines()[-30:]

    # 4. The secret values (canaries) must appear in no log, unit file or config written by us.
    canaries = []
    try:
        with open(SECRETS) as f:
            canaries = [v for v in json.load(f).values() if isinstance(v, str) and len(v) >= 12]
    except (OSError, ValueError) as e:
        res["secrets_source_error"] = str(e)
    leaks, elsewhere = [], []
    places = "/var/log /etc /usr/local/lib/aspire-arm /var/lib/cloud /var/lib/aspire-arm/units.installed /run/systemd /run/cloud-init /run/aspire-arm/env /lib/systemd/system /tmp"
    for c in canaries:
        rc, out, _ = sh("grep -rlF -- '%s' %s 2>/dev/null" % (c, places))
        leaks += out.split()
        rc, out, _ = sh("journalctl -b -o cat --no-pager | grep -cF -- '%s'" % c)
        if out.strip() not in ("", "0"):
            leaks.append("journal (%s lines)" % out.strip())
        rc, out, _ = sh("grep -cF -- '%s' /run/aspire-arm/secrets.env" % c)
        res["secret_in_secrets_env"] = out.strip() not in ("", "0")
        # Informational: where docker itself keeps the container's environment.
        rc, out, _ = sh("grep -rlF -- '%s' /var/lib/docker/containers 2>/dev/null" % c)
        elsewhere += out.split()
    res["canaries"] = len(canaries)
    res["secret_leaks"] = leaks
    res["secret_in_docker_state"] = elsewhere
    res["written_uptime"] = uptime()

    write_result("boot-%d.json" % boot, res)
    summary = {k: res.get(k) for k in ("cloud_init_done_uptime", "healthy_uptime", "healthy", "secrets_env_stat", "secret_leaks")}
    summary["cloud_init"] = res["cloud_init_status"].get("extended_status") or res["cloud_init_status"].get("status")
    say("RESULT boot=%d %s" % (boot, json.dumps(summary)))
    say("READY boot=%d" % boot)

    # 5. The host's commands.
    if not os.path.exists(CTL):
        say("no control port: poweroff")
        sh("systemctl poweroff --no-block")
        return
    while True:
        try:
            with open(CTL, "rb", buffering=0) as port:
                line = port.readline().decode().strip()
        except OSError:
            line = ""
        if line == "reach" and os.path.exists(VM_JSON):
            r = reach()
            write_result("reach.json", r)
            say("REACH done %s" % json.dumps([[c["host"], c["port"], c["result"]] for c in r["checks"]]))
            continue
        if line in ("reboot", "poweroff"):
            say("host asked for %s boot=%d" % (line, boot))
            os.sync()
            sh("systemctl %s --no-block" % line)
            return
        time.sleep(1)


if __name__ == "__main__":
    main()
