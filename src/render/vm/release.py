#!/usr/bin/env python3
# aspire-arm: unpacks a VM's release (rollout.sh runs it; gce-agent.py reads ids with it).
#
#   release.py unpack --bundle FILE [--state DIR] [--id ID]
#
# A bundle is gzip'ed JSON {"format": "aspire-arm-bundle/1", "stack", "vm", "files":
#   [{"path", "mode", "text" | "base64"}]} (src/render/bundle.ts); its release id is the first 16
#   hex digits of the SHA-256 of its canonical JSON (sorted keys, no spaces, UTF-8). Everything is
#   checked before anything is written: the format, each path (relative, components of
#   [A-Za-z0-9._-] other than . and .., no duplicates, sorted), each mode (0644 or 0755), the sizes,
#   and the id when --id gives the one expected. The files are written into a temp folder beside
#   STATE/releases/<id> and renamed there: a release is whole or absent. Prints the id.
#   apply.sh's own tools (health gate, rolling switch, prune) travel in the release itself, as
#   bin/apply-tools.py: this file is in the user data, which must stay small and stable.
#
# Standard library only. Errors are one line on stderr, exit 1.
# Test hooks: ASPIRE_STATE (/var/lib/aspire-arm).

import argparse, base64, binascii, hashlib, json, os, re, shutil, sys, zlib


FORMAT = "aspire-arm-bundle/1"
MODES = {"0644": 0o644, "0755": 0o755}
COMPONENT_RE = re.compile(r"[A-Za-z0-9._-]+\Z")
ID_RE = re.compile(r"[0-9a-f]{16}\Z")
# The app config's bind-mounted files are bounded by the plan (256 KiB each); the bundle as a
# whole is bounded here, compressed and not.
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
MAX_FILES = 4096
MAX_PATH = 512


class Failure(Exception):
    """A refusal, with the one line that says why."""


def canonical(doc):
    """The bytes the release id is computed from: what bundle.ts's JSON.stringify writes."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def release_id(doc):
    return hashlib.sha256(canonical(doc)).hexdigest()[:16]


def read_bundle(path):
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_BUNDLE_BYTES + 1)
    except OSError as e:
        raise Failure(f"cannot read the bundle {path}: {e.strerror}")
    if len(raw) > MAX_BUNDLE_BYTES:
        raise Failure(f"the bundle {path} is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = d.decompress(raw, MAX_BUNDLE_BYTES + 1)
        if len(data) > MAX_BUNDLE_BYTES or d.unconsumed_tail:
            raise Failure(f"the bundle {path} holds more than {MAX_BUNDLE_BYTES} bytes of JSON")
        if not d.eof or d.unused_data:
            raise Failure(f"the bundle {path} is not one whole gzip stream (truncated, or data after it)")
    except zlib.error as e:
        raise Failure(f"the bundle {path} is not gzip data: {e}")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise Failure(f"the bundle {path} is not UTF-8 JSON: {e}")


def check_path(p):
    if not isinstance(p, str) or not p:
        raise Failure(f"a file has no path: {json.dumps(p)}")
    if len(p) > MAX_PATH:
        raise Failure(f"path {json.dumps(p[:40])}... is longer than {MAX_PATH} characters")
    if p.startswith("/"):
        raise Failure(f"path {json.dumps(p)} is absolute")
    for c in p.split("/"):
        if c in ("", ".", "..") or not COMPONENT_RE.match(c):
            raise Failure(f"path {json.dumps(p)} has a bad component {json.dumps(c)}")


def check(doc):
    """The files as (path, mode, bytes), after every check."""
    if not isinstance(doc, dict):
        raise Failure("the bundle is not a JSON object")
    if doc.get("format") != FORMAT:
        raise Failure(f"the bundle's format is {json.dumps(doc.get('format'))}, not {FORMAT}")
    extra = sorted(set(doc) - {"format", "stack", "vm", "files"})
    if extra:
        raise Failure(f"the bundle has unknown fields: {', '.join(extra)}")
    for k in ("stack", "vm"):
        if not isinstance(doc.get(k), str):
            raise Failure(f"the bundle's {k} is not a string")
    files = doc.get("files")
    if not isinstance(files, list):
        raise Failure("the bundle's files is not a list")
    if len(files) > MAX_FILES:
        raise Failure(f"the bundle has more than {MAX_FILES} files")
    out, total, previous, dirs = [], 0, None, set()
    for f in files:
        if not isinstance(f, dict):
            raise Failure("a file of the bundle is not an object")
        p = f.get("path")
        check_path(p)
        if previous is not None and p <= previous:
            raise Failure(f"path {json.dumps(p)} is {'a duplicate' if p == previous else 'out of order'}")
        previous = p
        parts = p.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
        keys = set(f) - {"path", "mode"}
        if keys not in ({"text"}, {"base64"}):
            raise Failure(f"{p}: a file has exactly one of text and base64, and no other fields")
        mode = f.get("mode")
        if mode not in MODES:
            raise Failure(f"{p}: mode {json.dumps(mode)} is not 0644 or 0755")
        if "text" in f:
            if not isinstance(f["text"], str):
                raise Failure(f"{p}: text is not a string")
            try:
                data = f["text"].encode("utf-8")
            except UnicodeEncodeError:
                raise Failure(f"{p}: text is not valid Unicode (a lone surrogate)")
        else:
            try:
                data = base64.b64decode(f["base64"], validate=True)
            except (TypeError, binascii.Error):
                raise Failure(f"{p}: base64 is not valid base64")
        total += len(data)
        if total > MAX_BUNDLE_BYTES:
            raise Failure(f"the bundle's files hold more than {MAX_BUNDLE_BYTES} bytes")
        out.append((p, MODES[mode], data))
    clash = sorted(dirs & {p for p, _, _ in out})
    if clash:
        raise Failure(f"path {json.dumps(clash[0])} is both a file and a folder")
    return out


def write_release(state, rid, files):
    releases = os.path.join(state, "releases")
    final = os.path.join(releases, rid)
    if os.path.isdir(final):
        return
    os.makedirs(releases, mode=0o755, exist_ok=True)
    tmp = os.path.join(releases, f".tmp-{rid}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        os.mkdir(tmp, 0o755)
        for p, mode, data in files:
            dest = os.path.join(tmp, *p.split("/"))
            os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(dest, mode)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def unpack(args):
    if args.id is not None and not ID_RE.match(args.id):
        raise Failure(f"--id {json.dumps(args.id)} is not 16 lowercase hex digits")
    doc = read_bundle(args.bundle)
    files = check(doc)
    rid = release_id(doc)
    if args.id is not None and rid != args.id:
        raise Failure(f"the bundle's release id is {rid}, not {args.id} as expected")
    try:
        write_release(args.state, rid, files)
    except OSError as e:
        raise Failure(f"cannot write release {rid} into {args.state}/releases: {e}")
    print(rid)


# --- health ----------------------------------------------------------------------------------

def main():
    state = os.environ.get("ASPIRE_STATE", "/var/lib/aspire-arm")
    parser = argparse.ArgumentParser(prog="release.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("unpack")
    p.add_argument("--bundle", required=True)
    p.add_argument("--state", default=state)
    p.add_argument("--id")
    p.set_defaults(run=unpack)
    args = parser.parse_args()
    try:
        args.run(args)
    except Failure as e:
        print(f"aspire-arm: release: error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
