#!/usr/bin/env python3
"""TEST ONLY (not part of aspire-arm): the guest side of test/vm/boot.test.ts, run from the test
disk (/mnt/aspire-test/tools) by aspire-test-probe.service of the test image.

At every boot: waits for cloud-init to finish and for the app to be healthy (every compose service
running, the proxy on port 80 answering with Redis reached), collects what the host checks into
/mnt/aspire-results/boot-N.json (a disk of its own), prints `ASPIRE-TEST READY boot=N` on the
console, then obeys the lines the host writes to the virtio port aspire.ctl: `reboot`, `poweroff`,
`rollout BUNDLE`: `rollout.sh file BUNDLE` (the entry point of every delivery), then what runs
afterwards, into /mnt/aspire-results/rollout-N.json, then `ASPIRE-TEST ROLLOUT done n=N rc=RC`; and
on a VM of a multi-VM scenario (vm.json on its test disk) `reach`: TCP connections from this VM
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


LEAK_PLACES = "/var/log /etc /usr/local/lib/aspire-arm /var/lib/cloud /var/lib/aspire-arm/units.installed /var/lib/aspire-arm/rollouts /var/lib/aspire-arm/releases /run/systemd /run/cloud-init /run/aspire-arm/env /lib/systemd/system /tmp"


def secret_search(canaries):
    """Where the canaries are: secret_leaks (logs, unit files, configs, the journal: must be
    empty), whether secrets.env has them, and (informational) Docker's container state."""
    leaks, elsewhere, in_env = [], [], False
    for c in canaries:
        rc, out, _ = sh("grep -rlF -- '%s' %s 2>/dev/null" % (c, LEAK_PLACES))
        leaks += out.split()
        rc, out, _ = sh("journalctl -b -o cat --no-pager | grep -cF -- '%s'" % c)
        if out.strip() not in ("", "0"):
            leaks.append("journal (%s lines)" % out.strip())
        rc, out, _ = sh("grep -cF -- '%s' /run/aspire-arm/secrets.env" % c)
        in_env = out.strip() not in ("", "0")
        # Informational: where docker itself keeps the container's environment.
        rc, out, _ = sh("grep -rlF -- '%s' /var/lib/docker/containers 2>/dev/null" % c)
        elsewhere += out.split()
    return {"secret_leaks": leaks, "secret_in_secrets_env": in_env, "secret_in_docker_state": elsewhere}


def read_state(name):
    try:
        with open("/var/lib/aspire-arm/" + name) as f:
            return f.read().strip()
    except OSError:
        return None


def containers():
    """Every container of compose project aspire: service, state, image reference and id, and its
    ASPIRE_TEST_* environment (the rollout scenario's changed values)."""
    rc, out, _ = sh("docker ps -a -q --no-trunc --filter label=com.docker.compose.project=aspire", 60)
    ids = out.split()
    if rc != 0 or not ids:
        return []
    rc, out, _ = sh("docker inspect " + " ".join(ids), 60)
    rows = []
    for c in json.loads(out) if rc == 0 else []:
        rows.append({
            "service": c["Config"]["Labels"].get("com.docker.compose.service"),
            "name": c["Name"].lstrip("/"),
            "state": c["State"]["Status"],
            "image": c["Config"]["Image"],
            "image_id": c["Image"],
            "env": sorted(e for e in c["Config"].get("Env") or [] if e.startswith("ASPIRE_TEST_")),
            "started": c["State"].get("StartedAt"),
        })
    return sorted(rows, key=lambda r: (r["service"] or "", r["name"]))


def rollout(bundle, n, canaries_file=SECRETS):
    """`rollout.sh file BUNDLE`, the entry point the clouds' engines call (with s3 or the GCE
    agent's file), then what the VM runs afterwards."""
    r = {"n": n, "bundle": bundle, "start_uptime": uptime()}
    t = time.monotonic()
    try:
        p = subprocess.run(["/usr/local/lib/aspire-arm/rollout.sh", "file", bundle],
                           capture_output=True, text=True, timeout=1500)
        r["rc"], r["stdout"], r["stderr"] = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        r["rc"], r["stdout"], r["stderr"] = 124, str(e.stdout or ""), "timeout"
    r["seconds"] = round(time.monotonic() - t, 1)
    r["current"] = read_state("current")
    r["previous"] = read_state("previous")
    try:
        r["releases"] = sorted(os.listdir("/var/lib/aspire-arm/releases"))
    except OSError:
        r["releases"] = None
    r["containers"] = containers()
    r["compose_ps"] = compose_ps()
    r["http_root"] = http_root()[1]
    rc, out, _ = sh("docker images --format '{{.Repository}}:{{.Tag}}'")
    r["images"] = sorted(out.split())
    try:
        with open(canaries_file) as f:
            canaries = [v for v in json.load(f).values() if isinstance(v, str) and len(v) >= 12]
    except (OSError, ValueError):
        canaries = []
    r.update(secret_search(canaries))
    return r


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
    res["containers"] = containers()
    res["current_release"] = read_state("current")
    res["expected_services"] = expected_services()
    res["http_root"] = http_root()[1]
    res["app_unit"] = show("aspire-arm-app.service", ["ActiveState", "SubState", "Result", "NRestarts", "ExecMainStatus", "ActiveEnterTimestampMonotonic", "ConditionResult"])
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
    res.update(secret_search(canaries))
    res["canaries"] = len(canaries)
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
        if line.startswith("rollout "):
            n = len(glob.glob(RESULTS + "/rollout-*.json")) + 1
            say("ROLLOUT start n=%d" % n)
            r = rollout(line.split(" ", 1)[1], n)
            write_result("rollout-%d.json" % n, r)
            say("ROLLOUT done n=%d rc=%d seconds=%.1f" % (n, r["rc"], r["seconds"]))
            continue
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
