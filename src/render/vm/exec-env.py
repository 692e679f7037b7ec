#!/usr/bin/env python3
# aspire-arm: starts a native .NET service with exactly the environment its manifest gives it.
#
#   exec-env.py COMMAND [ARG...]
#
# ExecStart of every native unit (units/aspire-<service>.service), as the unit's dynamic user.
# systemd's Environment= and EnvironmentFile= take only shell names ([A-Za-z_][A-Za-z0-9_]*,
# systemd.exec(5)) and drop any other line without a word, while .NET apps read names such as
# services__catalog-api__http__0 (service discovery) or discovery.type. So the unit passes the
# environment file fetch-secrets.py rendered (NUL-terminated KEY=VALUE entries, secrets filled in,
# root-only) as its credential `env` (LoadCredential=: systemd reads the file and gives only the
# service's user a read-only copy in $CREDENTIALS_DIRECTORY), and this script puts its entries into
# the environment it inherited from systemd and execs COMMAND, which keeps the process id.
# In COMMAND and the ARGs, `${NAME}` is NAME's value from that file and `$$` is `$`: the unit's
# ExecStart has the `:` prefix, so systemd expands neither, and secrets reach the app's argv only
# when the manifest puts them in its args, never this script's argv or the unit file.
# Standard library only, and no value is ever printed.

import os
import re
import sys

NAME_RE = re.compile(rb"[A-Za-z_][A-Za-z0-9_.:-]*\Z")
PLACEHOLDER_RE = re.compile(rb"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def fail(message):
    print(f"aspire-arm: exec-env: {message}", file=sys.stderr, flush=True)
    # EX_CONFIG: systemd logs it, and Restart= tries again later.
    sys.exit(78)


def read_env(path):
    """The entries of a NUL-terminated KEY=VALUE file, as bytes."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    if data and not data.endswith(b"\0"):
        fail(f"{path} does not end with a NUL")
    out = {}
    for n, entry in enumerate(data.split(b"\0")[:-1], 1):
        key, eq, value = entry.partition(b"=")
        if not eq or not NAME_RE.match(key):
            fail(f"{path}: entry {n} is not NAME=VALUE with a name of letters, digits and _ . : -")
        out[key] = value
    return out


def main(argv):
    if len(argv) < 2:
        fail("usage: exec-env.py COMMAND [ARG...]")
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        fail("$CREDENTIALS_DIRECTORY is not set: run from a unit with LoadCredential=env:FILE")
    variables = read_env(os.path.join(directory, "env"))

    def expand(match):
        if match[1] is None:
            return b"$"
        if match[1] not in variables:
            fail(f"${{{match[1].decode()}}} in the command line is not in the environment file")
        return variables[match[1]]

    args = [PLACEHOLDER_RE.sub(expand, os.fsencode(a)) for a in argv[1:]]
    env = dict(os.environb)
    env.update(variables)
    try:
        os.execve(args[0], args, env)
    except OSError as e:
        fail(f"cannot run {os.fsdecode(args[0])}: {e.strerror}")


if __name__ == "__main__":
    main(sys.argv)
