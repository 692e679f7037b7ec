#!/usr/bin/env python3
# aspire-arm: apply.sh's tools (beside it in the release's bin/).
#
#   apply-tools.py health --app DIR [--service S] [--container ID] [--timeout S] [--interval S]
#   apply-tools.py prune [--state DIR] --applied FILE --keep ID [--keep ID]
#   apply-tools.py rolling --app DIR
#
# health: the gate of apply.sh --release. DIR/health.list has `<service> <container|native>
#   <http|tcp> <target port> [path]` lines; every service listed (or only --service) must be
#   healthy at once before the timeout (ASPIRE_HEALTH_TIMEOUT, 180 s), polled every
#   ASPIRE_HEALTH_INTERVAL (2 s). A container (each container of the service's compose project
#   `aspire`, or only --container): running, and its image's HEALTHCHECK healthy when it has one,
#   else every probe of its lines answered at its address on the compose network (http: a GET of
#   the path, 2xx or 3xx, redirects not followed; tcp: a connect). A native service: its unit
#   aspire-<service>.service active, and the probes on 127.0.0.1. What waiting cannot fix fails the
#   gate at once instead of at the timeout: a container exited that its restart policy will not
#   start again, and a new container started beside the old one (--container) that has restarted
#   twice. On failure: why, and the first
#   failing service's last 50 log lines (docker logs, journalctl) on stderr; exit 1.
# prune: removes the releases FILE lists (those apply.sh was asked to apply: one unpacked for a
#   later rollout stays) but the kept ones, and lists only the kept ones in it; then the images
#   that only the removed releases named (compose.yaml `image:` lines, native.list), with `docker image rm`: an image
#   the kept releases name, or a container uses, stays.
# rolling: the compose services apply.sh switches without downtime, as `<service> <container id>`
#   lines: those Caddy proxies (caddy's depends_on), publishing no host port, with one running
#   container whose config hash (its com.docker.compose.config-hash label) is not the one compose
#   computes for DIR/compose.yaml now (`docker compose config --hash`): a changed service.
#
# Standard library only. Errors are one line on stderr, exit 1 (health: with the log lines).
# Test hooks: ASPIRE_STATE (/var/lib/aspire-arm); docker, systemctl and journalctl from PATH.

import argparse, json, os, re, shutil, socket, subprocess, sys, time
import urllib.error, urllib.request

ID_RE = re.compile(r"[0-9a-f]{16}\Z")


class Failure(Exception):
    """A refusal, with the one line that says why."""


PROJECT = "aspire"
LOG_LINES = 50


def log(message):
    print(f"aspire-arm: {message}", flush=True)


def read_health_list(path):
    """{service: (runs_as, [(probe, port, path)])}, in the file's order."""
    services = {}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return services
    for n, line in enumerate(lines, 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        ok = len(words) in (4, 5) and re.match(r"[a-z0-9-]+\Z", words[0])
        ok = ok and words[1] in ("container", "native") and words[2] in ("http", "tcp")
        ok = ok and words[3].isdigit() and 0 < int(words[3]) < 65536
        ok = ok and (len(words) == 4 or (words[2] == "http" and words[4].startswith("/")))
        if not ok:
            raise Failure(f"{path}:{n}: not `<service> <container|native> <http|tcp> <port> [path]`: {line!r}")
        runs_as, probes = services.setdefault(words[0], (words[1], []))
        probes.append((words[2], int(words[3]), words[4] if len(words) == 5 else "/"))
    return services


def run(argv):
    """(exit code, stdout); a missing command is exit 127."""
    try:
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=60)
    except FileNotFoundError:
        return 127, ""
    except subprocess.TimeoutExpired:
        return 124, ""
    return r.returncode, r.stdout


def containers_of(service):
    code, out = run(["docker", "ps", "-a", "-q", "--no-trunc",
                     "--filter", f"label=com.docker.compose.project={PROJECT}",
                     "--filter", f"label=com.docker.compose.service={service}"])
    return out.split() if code == 0 else []


def inspect(ids):
    code, out = run(["docker", "inspect", *ids])
    try:
        return json.loads(out) if code == 0 else []
    except ValueError:
        return []


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def probe(host, kind, port, path, timeout=2):
    """None when it answers as it should, else why not."""
    if kind == "tcp":
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            return None
        except OSError as e:
            return f"tcp {host}:{port}: {e.strerror or e}"
    url = f"http://{host}:{port}{path}"
    try:
        with OPENER.open(url, timeout=timeout) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except (OSError, ValueError) as e:
        return f"GET {url}: {getattr(e, 'reason', None) or e}"
    return None if 200 <= status < 400 else f"GET {url}: HTTP {status}"


# A new container started beside a running one (the switch) that has exited this often will not
# become healthy by waiting: its dependencies are up (the old container runs with them), so its
# command fails at start. Not applied to a whole release, whose services may exit a few times
# while a database they need initialises on a first boot.
CRASH_RESTARTS = 2


class CrashLoop(str):
    """A problem waiting cannot fix: the gate fails at once instead of at its timeout."""


def container_problem(c, probes, beside_old=False):
    state = c.get("State") or {}
    name = (c.get("Name") or "").lstrip("/") or c.get("Id", "")[:12]
    status = state.get("Status")
    restarts = c.get("RestartCount") or 0
    if beside_old and restarts >= CRASH_RESTARTS:
        return CrashLoop(f"{name} is {status} (exit code {state.get('ExitCode')}), restarted {restarts} times: it keeps exiting")
    if status != "running":
        why = f"{name} is {status or 'missing'} (exit code {state.get('ExitCode')})"
        policy = ((c.get("HostConfig") or {}).get("RestartPolicy") or {}).get("Name")
        # Docker starts it again only under these policies (on-failure: after a non-zero exit).
        again = policy in ("always", "unless-stopped") or (policy == "on-failure" and state.get("ExitCode"))
        if status in ("exited", "dead") and policy is not None and not again:
            return CrashLoop(f"{why}, and its restart policy ({policy or 'no'}) does not start it again")
        return why
    health = state.get("Health")
    if health:
        status = health.get("Status")
        return None if status == "healthy" else f"{name}: its HEALTHCHECK says {status}"
    networks = ((c.get("NetworkSettings") or {}).get("Networks") or {}).values()
    ips = [n.get("IPAddress") for n in networks if n.get("IPAddress")]
    if not ips:
        return f"{name} has no IP address"
    for kind, port, path in probes:
        why = probe(ips[0], kind, port, path)
        if why:
            return f"{name}: {why}"
    return None


def service_problem(service, runs_as, probes, container):
    """None when healthy, else (why, ids of containers for their logs)."""
    if runs_as == "native":
        unit = f"aspire-{service}.service"
        if run(["systemctl", "is-active", "--quiet", unit])[0] != 0:
            return f"{unit} is not active", []
        for kind, port, path in probes:
            why = probe("127.0.0.1", kind, port, path)
            if why:
                return why, []
        return None
    ids = [container] if container else containers_of(service)
    if not ids:
        return "no container", []
    found = inspect(ids)
    if not found:
        return "docker inspect found no container", ids
    for c in found:
        why = container_problem(c, probes, beside_old=container is not None)
        if why:
            return why, [c.get("Id", "")]
    return None


def print_logs(service, runs_as, ids):
    print(f"aspire-arm: last {LOG_LINES} log lines of {service}:", file=sys.stderr, flush=True)
    if runs_as == "native":
        argv = ["journalctl", "-u", f"aspire-{service}.service", "-n", str(LOG_LINES), "--no-pager"]
    elif ids:
        argv = ["docker", "logs", "--tail", str(LOG_LINES), ids[0]]
    else:
        return
    try:
        subprocess.run(argv, stdout=sys.stderr, stderr=sys.stderr, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"aspire-arm: could not read the logs: {e}", file=sys.stderr)


def health(args):
    services = read_health_list(os.path.join(args.app, "health.list"))
    if args.service:
        services = {s: v for s, v in services.items() if s == args.service}
    deadline = time.monotonic() + args.timeout
    pending = dict(services)
    problems = {}
    while True:
        crashed = None
        for service, (runs_as, probes) in list(pending.items()):
            problem = service_problem(service, runs_as, probes, args.container)
            if problem is None:
                log(f"{service} is healthy")
                del pending[service]
            else:
                problems[service] = problem
                if crashed is None and isinstance(problem[0], CrashLoop):
                    crashed = service
        if not pending:
            return
        if crashed is not None or time.monotonic() + args.interval > deadline:
            break
        time.sleep(args.interval)
    service = crashed if crashed is not None else next(iter(pending))
    runs_as = pending[service][0]
    why, ids = problems[service]
    others = [s for s in pending if s != service]
    when = "" if crashed is not None else f" after {args.timeout:g} s"
    print(f"aspire-arm: error: {service} is not healthy{when}: {why}"
          + (f" (nor {', '.join(others)})" if others else ""), file=sys.stderr, flush=True)
    print_logs(service, runs_as, ids)
    sys.exit(1)


# --- prune -----------------------------------------------------------------------------------

IMAGE_RE = re.compile(r"^\s+image:\s*(\S.*?)\s*$", re.M)


def images_of(release):
    """The image references a release names: compose.yaml's `image:` lines, native.list's."""
    refs = set()
    try:
        with open(os.path.join(release, "compose.yaml"), encoding="utf-8") as f:
            for m in IMAGE_RE.finditer(f.read()):
                ref = m.group(1)
                if ref[:1] in "\"'" and ref[-1:] == ref[:1]:
                    ref = ref[1:-1]
                refs.add(ref)
    except FileNotFoundError:
        pass
    try:
        with open(os.path.join(release, "native.list"), encoding="utf-8") as f:
            for line in f:
                words = line.split()
                if len(words) >= 2 and not words[0].startswith("#"):
                    refs.add(words[1])
    except FileNotFoundError:
        pass
    return refs


def prune(args):
    for rid in args.keep:
        if not ID_RE.match(rid):
            raise Failure(f"--keep {json.dumps(rid)} is not a release id")
    releases = os.path.join(args.state, "releases")
    try:
        with open(args.applied, encoding="utf-8") as f:
            applied = [w for w in f.read().split() if ID_RE.match(w)]
    except FileNotFoundError:
        applied = []
    kept = set()
    for rid in args.keep:
        kept |= images_of(os.path.join(releases, rid))
    dropped = set()
    for rid in sorted(set(applied) - set(args.keep)):
        path = os.path.join(releases, rid)
        if os.path.isdir(path):
            dropped |= images_of(path)
            shutil.rmtree(path, ignore_errors=True)
            log(f"removed release {rid}")
    with open(args.applied + ".tmp", "w", encoding="utf-8") as f:
        f.write("".join(f"{rid}\n" for rid in args.keep))
    os.replace(args.applied + ".tmp", args.applied)
    for ref in sorted(dropped - kept):
        # Fails for an image a container still uses, or that is gone: both are fine.
        if run(["docker", "image", "rm", ref])[0] == 0:
            log(f"removed image {ref}")


# --- rolling ---------------------------------------------------------------------------------


def rolling(args):
    path = os.path.join(args.app, "compose.yaml")
    try:
        with open(path, encoding="utf-8") as f:
            if not re.search(r"^  caddy:\s*$", f.read(), re.M):
                return  # no proxy, nothing behind it
    except FileNotFoundError:
        return
    compose = ["docker", "compose", "-p", PROJECT, "-f", path]
    code, out = run([*compose, "config", "--format", "json"])
    try:
        services = json.loads(out).get("services") or {} if code == 0 else None
    except (ValueError, AttributeError):
        services = None
    if services is None:
        raise Failure(f"docker compose config --format json failed (exit {code})")
    proxied = (services.get("caddy") or {}).get("depends_on") or []
    for service in sorted(proxied):
        if service not in services or services[service].get("ports"):
            # Host ports cannot be bound twice: such a service is recreated in place by `up`.
            continue
        ids = containers_of(service)
        found = [c for c in inspect(ids) if (c.get("State") or {}).get("Status") == "running"] if ids else []
        if len(found) != 1:
            continue
        code, out = run([*compose, "config", "--hash", service])
        words = out.split()
        if code != 0 or len(words) != 2 or words[0] != service:
            raise Failure(f"docker compose config --hash {service} said {out.strip()!r}")
        labels = (found[0].get("Config") or {}).get("Labels") or {}
        if labels.get("com.docker.compose.config-hash") != words[1]:
            print(f"{service} {found[0].get('Id')}")


def seconds(name, default):
    text = os.environ.get(name, "")
    try:
        value = float(text) if text else default
    except ValueError:
        raise Failure(f"{name}={text!r} is not a number of seconds")
    if value <= 0:
        raise Failure(f"{name}={text!r} is not a positive number of seconds")
    return value

def main():
    state = os.environ.get("ASPIRE_STATE", "/var/lib/aspire-arm")
    parser = argparse.ArgumentParser(prog="apply-tools.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("health")
    p.add_argument("--app", required=True)
    p.add_argument("--service")
    p.add_argument("--container")
    p.add_argument("--timeout", type=float)
    p.add_argument("--interval", type=float)
    p.set_defaults(run=health)
    p = sub.add_parser("rolling")
    p.add_argument("--app", required=True)
    p.set_defaults(run=rolling)
    p = sub.add_parser("prune")
    p.add_argument("--state", default=state)
    p.add_argument("--applied", required=True)
    p.add_argument("--keep", action="append", default=[])
    p.set_defaults(run=prune)
    args = parser.parse_args()
    try:
        if args.command == "health":
            if args.timeout is None:
                args.timeout = seconds("ASPIRE_HEALTH_TIMEOUT", 180)
            if args.interval is None:
                args.interval = seconds("ASPIRE_HEALTH_INTERVAL", 2)
        args.run(args)
    except Failure as e:
        print(f"aspire-arm: apply-tools: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
