#!/usr/bin/env python3
# aspire-arm gce-agent: brings the releases that the instance metadata holds to this GCE VM
# (beside rollout.sh and release.py, whose code it loads; in the user data of GCP VMs only).
#
#   gce-agent.py [--once]
#
# A systemd service (aspire-arm-agent.service, Restart=always): long-polls the instance metadata
#   value aspire-arm-bundle (base64 of the gzip'ed bundle) with wait_for_change; each new value is
#   written to a temp file and rolled out with `rollout.sh file TMP ID`, reporting
#   `ID applying`, then `ID ok` or `ID failed\n<the last lines of the rollout's stderr>` in the
#   guest attribute aspire-arm/result, which the deployer polls. At start, the current value is
#   rolled out unless its release is already the current one (then `ID ok` is reported again) or the
#   last one this agent rolled out (which failed: retried when the value changes, not at each boot).
#   No value yet (404): polled again; network errors: retried with backoff (30 s at most), forever.
#   --once: exits after the first value (1 when its rollout failed).
#
# Standard library only. Errors are one line on stderr, exit 1.
# Test hooks: ASPIRE_STATE (/var/lib/aspire-arm), ASPIRE_GCE_METADATA_URL (the metadata server),
# ASPIRE_RETRY_DELAY (first retry delay in s; default 1).

import argparse, base64, binascii, importlib.util, os, subprocess, sys, tempfile, time
import urllib.error, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
REPORT_TAIL = 3000  # bytes of UTF-8
WAIT_S = 300

sys.dont_write_bytecode = True
_spec = importlib.util.spec_from_file_location("release", os.path.join(HERE, "release.py"))
release = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(release)


def log(message):
    print(f"aspire-arm: gce-agent: {message}", file=sys.stderr, flush=True)


def delay():
    return float(os.environ.get("ASPIRE_RETRY_DELAY", "1"))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write_atomically(path, data):
    with open(path + ".new", "wb") as f:
        f.write(data)
    os.replace(path + ".new", path)


class Agent:
    def __init__(self, state):
        self.state = state
        self.metadata = os.environ.get("ASPIRE_GCE_METADATA_URL", "http://metadata.google.internal") + "/computeMetadata/v1/"
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.handled = os.path.join(state, "rollouts", "gce-agent.last")

    def request(self, method, path, body=None, timeout=10):
        """(status, ETag, body); network errors raise OSError."""
        req = urllib.request.Request(self.metadata + path, body, {"Metadata-Flavor": "Google"}, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return r.status, r.headers.get("ETag", ""), r.read(MAX_BUNDLE_BYTES)
        except urllib.error.HTTPError as e:
            return e.code, "", e.read(1024)

    def retrying(self, what, call):
        """call() until it answers: network errors and 5xx back off, up to 30 s between tries."""
        attempt = 0
        while True:
            try:
                response = call()
                if response[0] < 500:
                    return response
                reason = f"HTTP {response[0]}"
            except OSError as e:
                reason = getattr(e, "reason", e)
            log(f"{what}: {reason}; retrying")
            time.sleep(min(30, delay() * 2 ** min(attempt, 10)))
            attempt += 1

    def report(self, text):
        status = self.retrying("guest attribute aspire-arm/result", lambda: self.request("PUT", "instance/guest-attributes/aspire-arm/result", text.encode()))[0]
        if status != 200:
            log(f"guest attribute aspire-arm/result: HTTP {status} (are guest attributes enabled on the instance?)")

    def current(self):
        """The current release's id: what $STATE/current names (a link or a file)."""
        path = os.path.join(self.state, "current")
        try:
            return os.path.basename(os.readlink(path)) if os.path.islink(path) else read(path).strip()
        except OSError:
            return None

    def decode(self, value):
        """The value written to a temp file: (path, release id); (None, error) when it is no bundle."""
        folder = os.path.join(self.state, "rollouts")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(".json.gz", ".bundle-", folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(base64.b64decode(b"".join(value.split()), validate=True))
            return tmp, release.release_id(release.read_bundle(tmp))
        except (binascii.Error, release.Failure) as e:
            os.unlink(tmp)
            return None, f"aspire-arm-bundle: {e}"

    def skip_at_start(self, rid):
        """At start: the value's release is the current one, or the last one rolled out here."""
        if rid == self.current():
            log(f"release {rid} is the current one already")
            self.report(f"{rid} ok")
            return True
        try:
            if read(self.handled).strip() == rid:
                log(f"release {rid} was rolled out already, and failed: waiting for another one")
                return True
        except OSError:
            pass
        return False

    def rollout(self, tmp, rid):
        """Rolls the bundle in tmp out and reports the result; True when it succeeded."""
        self.report(f"{rid} applying")
        log(f"rolling out release {rid}")
        run = subprocess.run([os.path.join(HERE, "rollout.sh"), "file", tmp, rid], stderr=subprocess.PIPE)
        stderr = run.stderr.rstrip(b"\n")
        if stderr:
            print(stderr.decode("utf-8", "replace"), file=sys.stderr, flush=True)
        write_atomically(self.handled, rid.encode())
        if run.returncode == 0:
            self.report(f"{rid} ok")
            return True
        # The last bytes (no more characters, whatever counts them), from a line start if one is in them.
        tail = stderr[-REPORT_TAIL:]
        if len(stderr) > REPORT_TAIL and b"\n" in tail:
            tail = tail.split(b"\n", 1)[1]
        tail = tail.decode("utf-8", "ignore")
        self.report(f"{rid} failed\n{tail}")
        return False

    def run(self, once):
        etag = None
        while True:
            query = "" if etag is None else "?" + urllib.parse.urlencode({"wait_for_change": "true", "last_etag": etag, "timeout_sec": WAIT_S})
            status, new_etag, value = self.retrying("metadata aspire-arm-bundle", lambda: self.request("GET", "instance/attributes/aspire-arm-bundle" + query, timeout=WAIT_S + 30))
            if status == 404:
                etag = None
                time.sleep(5 * delay())
                continue
            if status != 200:
                log(f"metadata aspire-arm-bundle: HTTP {status}; retrying")
                time.sleep(30 * delay())
                continue
            start, changed, etag = etag is None, new_etag != etag, new_etag
            if not changed:
                continue
            tmp, rid = self.decode(value)
            if tmp is None:
                log(rid)
                self.report(f"invalid failed\n{rid}")
                ok = False
            else:
                try:
                    ok = (start and self.skip_at_start(rid)) or self.rollout(tmp, rid)
                finally:
                    os.unlink(tmp)
            if once:
                return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(prog="gce-agent.py")
    parser.add_argument("--once", action="store_true")
    args = parser.parse_args()
    os.umask(0o077)
    return Agent(os.environ.get("ASPIRE_STATE", "/var/lib/aspire-arm")).run(args.once)


if __name__ == "__main__":
    sys.exit(main())
