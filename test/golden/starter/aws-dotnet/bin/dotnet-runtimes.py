#!/usr/bin/env python3
import argparse, glob, hashlib, json, os, re, shutil, subprocess, sys, tarfile, tempfile, time
import urllib.error, urllib.request
RELEASES = "https://builds.dotnet.microsoft.com/dotnet/release-metadata/{channel}/releases.json"
RID = "linux-arm64"
FRAMEWORKS = ("Microsoft.NETCore.App", "Microsoft.AspNetCore.App")
ATTEMPTS = 4
class Failure(Exception):
 pass
def log(message):
 print(f"aspire-arm: dotnet-runtimes: {message}", file=sys.stderr, flush=True)
def version(text):
 m = re.match(r"(\d+)\.(\d+)\.(\d+)", text or "")
 return tuple(int(x) for x in m.groups()) if m else None
def needs(app, fallback):
 files = sorted(glob.glob(os.path.join(app, "*.runtimeconfig.json")))
 if not files:
  log(f"{app}: no *.runtimeconfig.json; installing the fallback channel {fallback} (aspire:dotnetChannel)")
  return {("Microsoft.AspNetCore.App", fallback): (0, 0, 0)}
 out = {}
 for file in files:
  try:
   with open(file, encoding="utf-8-sig") as f:
    options = json.load(f)["runtimeOptions"]
  except (OSError, ValueError, KeyError, TypeError):
   options = None
  if not isinstance(options, dict):
   raise Failure(f"{file}: not a runtimeconfig.json (no runtimeOptions object)")
  frameworks = options.get("frameworks") or ([options["framework"]] if "framework" in options else [])
  if not isinstance(frameworks, list):
   raise Failure(f"{file}: runtimeOptions.frameworks is not a list")
  if not frameworks and "includedFrameworks" in options:
   log(f"{file}: a self-contained app; it needs no shared runtime")
  for fw in frameworks:
   name, v = (fw.get("name"), version(fw.get("version"))) if isinstance(fw, dict) else (None, None)
   if name not in FRAMEWORKS or not v:
    raise Failure(f"{file}: framework {json.dumps(fw)} is not one this VM can install ({', '.join(FRAMEWORKS)} X.Y.Z)")
   key = (name, f"{v[0]}.{v[1]}")
   out[key] = max(out.get(key, v), v)
 return out
def versions(folder, prefix=""):
 found = [version(os.path.basename(p)) for p in glob.glob(os.path.join(folder, prefix + "*"))]
 return [v for v in found if v]
def installed(directory, name, channel):
 return versions(os.path.join(directory, "shared", name), channel + ".")
def has_icu():
 return "libicuuc.so" in subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, errors="replace").stdout
def ensure_icu():
 if has_icu():
  return
 try:
  with open(os.environ.get("ASPIRE_OS_RELEASE", "/etc/os-release"), encoding="utf-8") as f:
   ids = set(re.findall(r"[a-z]+", "".join(line.split("=", 1)[1] for line in f if line.startswith(("ID=", "ID_LIKE=")))))
 except OSError:
  ids = set()
 env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
 def run(*command):
  subprocess.run(command, check=True, stdout=sys.stderr, env=env)
 if ids & {"amzn", "rhel", "fedora", "centos"}:
  log("installing ICU for .NET (dnf)")
  run("dnf", "install", "-y", "libicu")
 else:
  log("installing ICU for .NET (apt)")
  apt = ("apt-get", "-o", "DPkg::Lock::Timeout=300")
  run(*apt, "update", "-q")
  names = subprocess.run(["apt-cache", "pkgnames", "libicu"], capture_output=True, text=True, errors="replace").stdout.split()
  icu = sorted((n for n in names if re.fullmatch(r"libicu\d+", n)), key=lambda n: int(n[6:]))
  if not icu:
   raise Failure("no libicuNN package in the apt sources")
  run(*apt, "install", "-y", "-q", icu[-1])
 if not has_icu():
  raise Failure("ICU is still missing after installing it")
def channel_key(channel):
 return tuple(int(x) for x in channel.split("."))
def fetch(url, what):
 for attempt in range(ATTEMPTS):
  try:
   with urllib.request.urlopen(url, timeout=60) as r:
    return r.read()
  except OSError as e:
   if isinstance(e, urllib.error.HTTPError) and e.code not in (429, 500, 502, 503, 504):
    raise Failure(f"{what}: HTTP {e.code} ({url})")
   if attempt == ATTEMPTS - 1:
    raise Failure(f"{what}: {getattr(e, 'reason', e)} ({url})")
   log(f"{what}: {getattr(e, 'reason', e)}; retrying")
   time.sleep(float(os.environ.get("ASPIRE_RETRY_DELAY", "1")) * 2**attempt)
def latest(channel):
 url = os.environ.get("ASPIRE_DOTNET_RELEASES", RELEASES).format(channel=channel)
 try:
  doc = json.loads(fetch(url, f"release metadata of .NET {channel}"))
  release = next(r for r in doc["releases"] if r["release-version"] == doc["latest-release"])
  runtime = release["aspnetcore-runtime"]
  file = next(f for f in runtime["files"] if f["rid"] == RID and f["name"] == f"aspnetcore-runtime-{RID}.tar.gz")
  return runtime["version"], file["url"], file["hash"].lower()
 except (ValueError, KeyError, TypeError, StopIteration):
  raise Failure(f"{url}: no ASP.NET Core runtime for {RID} in the latest release")
def install(directory, channel):
 runtime, url, sha512 = latest(channel)
 log(f"installing the ASP.NET Core runtime {runtime} (.NET {channel}, {RID}) into {directory}")
 data = fetch(url, f"ASP.NET Core runtime {runtime}")
 if hashlib.sha512(data).hexdigest() != sha512:
  raise Failure(f"{url}: SHA-512 does not match the release metadata; nothing installed")
 os.makedirs(directory, exist_ok=True)
 for stale in glob.glob(os.path.join(directory, ".install-*")):
  shutil.rmtree(stale, ignore_errors=True)
 newest_host = max(versions(os.path.join(directory, "host", "fxr")) + [(-1,)])
 work = tempfile.mkdtemp(prefix=".install-", dir=directory)
 try:
  archive = os.path.join(work, "runtime.tar.gz")
  with open(archive, "wb") as f:
   f.write(data)
  unpacked = os.path.join(work, "unpacked")
  with tarfile.open(archive) as tar:
   members = tar.getmembers()
   for m in members:
    m.uid, m.gid, m.uname, m.gname = 0, 0, "root", "root"
   tar.extractall(unpacked, members, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
  host = max(versions(os.path.join(unpacked, "host", "fxr")) + [(-1,)])
  for parent in ["host/fxr"] + [f"shared/{n}" for n in os.listdir(os.path.join(unpacked, "shared"))]:
   for v in os.listdir(os.path.join(unpacked, parent)):
    target = os.path.join(directory, parent, v)
    if not os.path.exists(target):
     os.makedirs(os.path.dirname(target), exist_ok=True)
     os.rename(os.path.join(unpacked, parent, v), target)
  if not os.path.exists(os.path.join(directory, "dotnet")) or host > newest_host:
   os.replace(os.path.join(unpacked, "dotnet"), os.path.join(directory, "dotnet"))
 finally:
  shutil.rmtree(work, ignore_errors=True)
def main():
 parser = argparse.ArgumentParser(prog="dotnet-runtimes.py")
 parser.add_argument("--install-dir", required=True)
 parser.add_argument("--fallback", required=True)
 parser.add_argument("apps", nargs="*")
 args = parser.parse_args()
 try:
  if not re.match(r"\d+\.\d+\Z", args.fallback):
   raise Failure(f"--fallback {args.fallback}: expected a channel such as 10.0")
  wanted = {}
  for app in args.apps:
   for key, v in needs(app, args.fallback).items():
    wanted[key] = max(wanted.get(key, v), v)
  if args.apps:
   ensure_icu()
  channels = sorted({c for (name, c), v in wanted.items() if not any(i >= v for i in installed(args.install_dir, name, c))}, key=channel_key)
  for channel in channels:
   install(args.install_dir, channel)
  for (name, channel), v in sorted(wanted.items()):
   if not any(i >= v for i in installed(args.install_dir, name, channel)):
    raise Failure(f"{name} {'.'.join(map(str, v))} or a later {channel}.x is still missing from {args.install_dir}")
  log(f"{len(args.apps)} app(s): .NET {', '.join(sorted({c for _, c in wanted}, key=channel_key)) or 'none'} in place" + (f" ({len(channels)} installed now)" if channels else ""))
  return 0
 except Failure as e:
  log(f"error: {e}")
 except subprocess.CalledProcessError as e:
  log(f"error: {' '.join(e.cmd)} exited with {e.returncode}")
 except Exception as e:
  log(f"error: unexpected {type(e).__name__}: {e}")
 return 1
if __name__ == "__main__":
 sys.exit(main())
