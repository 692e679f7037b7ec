#!/usr/bin/env python3
# aspire-arm: fetches the app's secrets on the VM and writes them where the app reads them.
#
#   fetch-secrets.py --vm-env FILE [--list FILE] --out FILE [--templates DIR --rendered DIR]
#   fetch-secrets.py --vm-env FILE --registry-password
#
# Run by apply.sh, beside it in each release's bin/ with cloud-http.py (HTTP with retries, AWS's
# signing), which it loads. Standard library only: the stock python3 of Ubuntu, Debian and Amazon
# Linux.
# --list: `STORENAME VARNAME` lines (# comments allowed); a missing file lists nothing. Each value
#   comes from ASPIRE_SECRET_SOURCE (vm.env): aws-ssm (SSM Parameter Store, with the instance role),
#   gcp-secret-manager (with the VM's service account), file (a JSON object {STORENAME: value}; the
#   emulated-VM tests' stand-in) or none, under the name ASPIRE_SECRET_PREFIX + STORENAME.
# --out: `VARNAME='value'` and `VARNAME__URI='percent-encoded value'` lines for `set -a; . FILE`;
#   mode 0600, replaced atomically (a failed run leaves the previous file as it was).
# --templates/--rendered: DIR/NAME.env.in -> RENDERED/NAME.env, the environment of native services,
#   which their units pass to exec-env.py: in `KEY=TEXT` lines, `${VARNAME}` (or its __URI form) is a
#   secret, `$$` is `$`; written as NUL-terminated KEY=VALUE entries (as /proc/PID/environ), which
#   hold any name and any value but NUL. Files in RENDERED without a template are removed.
# --registry-password: prints only the container registry password on stdout: the password of an
#   ECR authorization token (aws-ssm) or the service account's access token (gcp-secret-manager).
#
# Secret values are never logged: messages name store entries only. A secret missing from the
# store is an error, never an empty value.
# Test hooks: ASPIRE_IMDS_URL, ASPIRE_SSM_URL, ASPIRE_ECR_URL, ASPIRE_GCE_METADATA_URL,
# ASPIRE_SECRETMANAGER_URL (endpoints), ASPIRE_RETRY_DELAY (first retry delay in s; default 1).

import argparse, base64, importlib.util, json, os, re, shlex, sys, traceback

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
# The env names the manifest stage accepts (identifiers.ts), which exec-env.py accepts too.
ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*\Z")
PLACEHOLDER_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def load_beside(name, file):
    """A script beside this one (the release's bin/), as a module."""
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(os.path.abspath(__file__)), file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


net = load_beside("cloud_http", "cloud-http.py")
Failure, RETRY, http, json_of, log, ok, quote, read = net.Failure, net.RETRY, net.http, net.json_of, net.log, net.ok, net.quote, net.read


class Aws(net.AwsRole):
    """aws-ssm: SSM parameters and ECR tokens, with the instance role's credentials (IMDSv2)."""

    def __init__(self, env):
        super().__init__(env)
        self.prefix = env.get("ASPIRE_SECRET_PREFIX", "")

    def call(self, service, url, target, payload):
        """A signed call to an AWS JSON API: (HTTP status, answer or error type)."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
        status, data = http("POST", url, net.sigv4_headers("POST", url, headers, body, self.credentials, self.region, service, net.amz_now()), body)
        answer = json_of(data, target)
        return status, answer if status == 200 else str(answer.get("__type")).split("#")[-1]

    def get(self, store_name):
        name = self.prefix + store_name
        url = os.environ.get("ASPIRE_SSM_URL") or f"https://ssm.{self.region}.amazonaws.com/"
        status, answer = self.call("ssm", url, "AmazonSSM.GetParameter", {"Name": name, "WithDecryption": True})
        if answer == "ParameterNotFound":
            raise Failure(f"not found in aws-ssm: no SSM parameter {name} in {self.region}")
        if status != 200:
            raise Failure(f"from aws-ssm (SSM parameter {name}): HTTP {status} {answer}")
        return answer["Parameter"]["Value"]

    def registry_password(self):
        url = os.environ.get("ASPIRE_ECR_URL") or f"https://api.ecr.{self.region}.amazonaws.com/"
        status, answer = self.call("ecr", url, "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", {})
        if status != 200:
            raise Failure(f"ECR GetAuthorizationToken in {self.region}: HTTP {status} {answer}")
        # base64 of AWS:password
        return base64.b64decode(answer["authorizationData"][0]["authorizationToken"]).decode().split(":", 1)[1]


class Gcp:
    """gcp-secret-manager: Secret Manager and Artifact Registry, as the VM's service account."""

    def __init__(self, env):
        self.prefix = env.get("ASPIRE_SECRET_PREFIX", "")
        self.project = env.get("ASPIRE_GCP_PROJECT")
        self.metadata_url = os.environ.get("ASPIRE_GCE_METADATA_URL", "http://metadata.google.internal") + "/computeMetadata/v1/"
        self.token = json_of(self.metadata("instance/service-accounts/default/token"), "service account token")["access_token"]

    def metadata(self, path):
        # 404 while the service account is still being attached at boot: retried.
        return ok(http("GET", self.metadata_url + path, {"Metadata-Flavor": "Google"}, direct=True, retry=RETRY + (404,)), "metadata server " + path)

    def get(self, store_name):
        self.project = self.project or self.metadata("project/project-id").decode().strip()
        name = self.prefix + store_name
        api = os.environ.get("ASPIRE_SECRETMANAGER_URL", "https://secretmanager.googleapis.com")
        response = http("GET", f"{api}/v1/projects/{quote(self.project)}/secrets/{quote(name)}/versions/latest:access", {"Authorization": "Bearer " + self.token})
        where = f"gcp-secret-manager: secret {name} (or an enabled version of it) in project {self.project}"
        if response[0] == 404:
            raise Failure("not found in " + where)
        try:
            return base64.b64decode(json_of(ok(response, "from " + where), where)["payload"]["data"]).decode()
        except UnicodeDecodeError:
            raise Failure(f"from {where}: not UTF-8 text")

    def registry_password(self):
        return self.token


class File:
    """file: a JSON object {store name: value}."""

    def __init__(self, env):
        self.path = env.get("ASPIRE_SECRET_FILE", "")
        self.values = json.loads(read(self.path))

    def get(self, store_name):
        value = self.values.get(store_name)
        if not isinstance(value, str):
            raise Failure(f"in {self.path} is not a string" if store_name in self.values else f"not found in file source {self.path}")
        return value


SOURCES = {"aws-ssm": Aws, "gcp-secret-manager": Gcp, "file": File}


def write_atomically(path, text):
    """Replaces path by a file holding text (mode 0600: the umask is 077), through PATH.new."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    with open(path + ".new", "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(path + ".new", path)


def render(path, variables):
    """The environment file of a template: NUL-terminated KEY=VALUE entries."""
    out = ""
    for n, line in enumerate(read(path).split("\n"), 1):
        key, eq, template = line.partition("=")
        if not line.strip() or line.lstrip()[0] in "#;":
            continue
        if not eq or not ENV_NAME_RE.match(key):
            raise Failure(f"{path}:{n}: expected KEY=VALUE, KEY of letters, digits and _ . : -")
        for name in PLACEHOLDER_RE.findall(template):
            if name and name not in variables:
                raise Failure(f"{path}:{n}: ${{{name}}} is not a fetched secret (is it in secrets.list?)")
        out += key + "=" + PLACEHOLDER_RE.sub(lambda m: variables[m[1]] if m[1] else "$", template) + "\0"
    return out


def main():
    parser = argparse.ArgumentParser(prog="fetch-secrets.py")
    parser.add_argument("--vm-env", required=True)
    for option in ("--list", "--out", "--templates", "--rendered"):
        parser.add_argument(option)
    parser.add_argument("--registry-password", action="store_true")
    args = parser.parse_args()
    if not (args.out or args.registry_password) or bool(args.templates) != bool(args.rendered):
        parser.error("needs --out or --registry-password, and --templates with --rendered")
    # Before any file is created: nothing written here is for anyone but root.
    os.umask(0o077)
    try:
        # KEY='value' shell words, which apply.sh has already sourced.
        env = net.vm_env(args.vm_env)
        kind = env.get("ASPIRE_SECRET_SOURCE") or "none"
        source = SOURCES.get(kind)
        if args.registry_password:
            if not hasattr(source, "registry_password"):
                raise Failure(f"no container registry login with ASPIRE_SECRET_SOURCE {kind}")
            sys.stdout.write(source(env).registry_password())
            return 0
        wanted = {}
        for n, line in enumerate(read(args.list).split("\n") if args.list and os.path.exists(args.list) else [], 1):
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            # The variable names end up in secrets.env, which is sourced.
            if len(words) != 2 or not NAME_RE.match(words[1]):
                raise Failure(f"{args.list}:{n}: expected `STORENAME VARNAME`")
            wanted[words[1]] = words[0]
        if wanted and not source:
            raise Failure(f"{len(wanted)} secrets are listed in {args.list} but ASPIRE_SECRET_SOURCE is {kind}")
        store = source(env) if wanted else None
        variables = {}
        for variable, store_name in wanted.items():
            try:
                value = store.get(store_name)
            except Failure as e:
                raise Failure(f"secret {store_name!r} {e}")
            if "\0" in value:
                raise Failure(f"secret {store_name!r} has a NUL character, which no environment can hold")
            variables[variable] = value
            variables[variable + "__URI"] = quote(value)
        # All rendered before anything is written, so that a template error changes nothing.
        names = sorted(os.listdir(args.templates)) if args.rendered and os.path.isdir(args.templates) else []
        texts = {n[:-3]: render(os.path.join(args.templates, n), variables) for n in names if n.endswith(".env.in") and n != ".env.in"}
        for name, text in texts.items():
            write_atomically(os.path.join(args.rendered, name), text)
        # The files of services that are gone would keep their secrets around.
        for name in os.listdir(args.rendered) if args.rendered and os.path.isdir(args.rendered) else []:
            if name.endswith(".env") and name not in texts:
                os.unlink(os.path.join(args.rendered, name))
        write_atomically(args.out, "# Written by aspire-arm fetch-secrets.py; holds secrets.\n" + "".join(f"{k}={shlex.quote(v)}\n" for k, v in variables.items()))
        log(f"{len(wanted)} secret(s) from {kind} written to {args.out}, {len(texts)} environment file(s) rendered")
        return 0
    except Failure as e:
        log(f"error: {e}")
    except Exception as e:  # noqa: BLE001 - its message could quote a secret: say where, not what
        where = traceback.extract_tb(e.__traceback__)[-1]
        log(f"error: unexpected {type(e).__name__} at line {where.lineno} ({where.name})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
