#!/usr/bin/env python3
import os
import re
import sys
NAME_RE = re.compile(rb"[A-Za-z_][A-Za-z0-9_.:-]*\Z")
PLACEHOLDER_RE = re.compile(rb"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
def fail(message):
 print(f"aspire-arm: exec-env: {message}", file=sys.stderr, flush=True)
 sys.exit(78)
def read_env(path):
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
