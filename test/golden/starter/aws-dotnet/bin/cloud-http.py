#!/usr/bin/env python3
import argparse, datetime, hashlib, hmac, json, os, re, shlex, sys, time
import urllib.error, urllib.parse, urllib.request
ATTEMPTS = 6
RETRY = (429, 500, 502, 503, 504)
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
class Failure(Exception):
 pass
def log(message):
 name = os.path.basename(sys.argv[0]).rsplit(".", 1)[0]
 print(f"aspire-arm: {name}: {message}", file=sys.stderr, flush=True)
def quote(text, safe=""):
 return urllib.parse.quote(text, safe="-_.~" + safe)
def read(path):
 with open(path, encoding="utf-8") as f:
  return f.read()
def vm_env(path):
 return dict(word.split("=", 1) for word in shlex.split(read(path), comments=True))
def http(method, url, headers, body=None, direct=False, retry=RETRY):
 opener = urllib.request.build_opener(*([urllib.request.ProxyHandler({})] if direct else []))
 where = method + " " + url.split("://")[-1]
 for attempt in range(ATTEMPTS):
  try:
   try:
    with opener.open(urllib.request.Request(url, body, headers, method=method), timeout=10) as r:
     status, data = r.status, r.read()
   except urllib.error.HTTPError as e:
    status, data = e.code, e.read()
   if status not in retry and not (status == 400 and b"ThrottlingException" in data):
    return status, data
   reason = f"HTTP {status}"
  except OSError as e:
   reason = getattr(e, "reason", e)
  if attempt == ATTEMPTS - 1:
   raise Failure(f"{where}: {reason}, {ATTEMPTS} times")
  log(f"{where}: {reason}; retrying")
  time.sleep(float(os.environ.get("ASPIRE_RETRY_DELAY", "1")) * 2**attempt)
def ok(response, what):
 if response[0] != 200:
  raise Failure(f"{what}: HTTP {response[0]}")
 return response[1]
def json_of(data, what):
 try:
  return json.loads(data)
 except ValueError:
  raise Failure(f"{what}: the answer is not JSON")
def amz_now():
 return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
def sigv4_headers(method, url, headers, body, credentials, region, service, amz_date):
 key_id, secret, token = credentials
 parts = urllib.parse.urlsplit(url)
 out = {**headers, "Host": parts.netloc, "X-Amz-Date": amz_date}
 if token:
  out["X-Amz-Security-Token"] = token
 canonical = sorted((k.lower(), " ".join(str(v).split())) for k, v in out.items())
 signed = ";".join(k for k, _ in canonical)
 request = "\n".join([method, quote(parts.path or "/", "/"), parts.query, *(f"{k}:{v}" for k, v in canonical), "", signed, hashlib.sha256(body).hexdigest()])
 scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
 key = ("AWS4" + secret).encode()
 for part in scope.split("/"):
  key = hmac.digest(key, part.encode(), "sha256")
 to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(request.encode()).hexdigest()}"
 out["Authorization"] = f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, Signature={hmac.digest(key, to_sign.encode(), 'sha256').hex()}"
 return out
class AwsRole:
 def __init__(self, env):
  imds = os.environ.get("ASPIRE_IMDS_URL", "http://169.254.169.254") + "/latest/"
  token = ok(http("PUT", imds + "api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "600"}, direct=True), "IMDSv2 token").decode()
  def metadata(path):
   response = http("GET", imds + "meta-data/" + path, {"X-aws-ec2-metadata-token": token}, direct=True, retry=RETRY + (404,))
   return ok(response, "instance metadata " + path).decode().strip()
  self.region = env.get("ASPIRE_AWS_REGION") or metadata("placement/region")
  role = metadata("iam/security-credentials/").split()[0]
  doc = json_of(metadata("iam/security-credentials/" + role), "instance role credentials")
  self.credentials = doc["AccessKeyId"], doc["SecretAccessKey"], doc.get("Token")
def fetch_s3(args):
 role = AwsRole(vm_env(args.vm_env))
 base = os.environ.get("ASPIRE_S3_URL") or f"https://{args.bucket}.s3.{role.region}.amazonaws.com"
 url = base + "/" + quote(args.key, "/")
 headers = {"x-amz-content-sha256": hashlib.sha256(b"").hexdigest(), "Range": f"bytes=0-{MAX_BUNDLE_BYTES}"}
 status, data = http("GET", url, sigv4_headers("GET", url, headers, b"", role.credentials, role.region, "s3", amz_now()))
 where = f"s3://{args.bucket}/{args.key}"
 if status not in (200, 206):
  code = re.search(rb"<Code>([A-Za-z]{1,64})</Code>", data)
  raise Failure(f"{where}: HTTP {status}{' ' + code[1].decode() if code else ''}")
 if len(data) > MAX_BUNDLE_BYTES:
  raise Failure(f"{where} is larger than {MAX_BUNDLE_BYTES} bytes")
 with open(args.out + ".new", "wb") as f:
  f.write(data)
 os.replace(args.out + ".new", args.out)
 print(f"aspire-arm: cloud-http: {where}: {len(data)} bytes written to {args.out}", flush=True)
def main():
 parser = argparse.ArgumentParser(prog="cloud-http.py")
 s3 = parser.add_subparsers(dest="command", required=True).add_parser("fetch-s3")
 for option in ("--bucket", "--key", "--out", "--vm-env"):
  s3.add_argument(option, required=True)
 args = parser.parse_args()
 os.umask(0o077)
 try:
  fetch_s3(args)
  return 0
 except Failure as e:
  log(f"error: {e}")
  return 1
if __name__ == "__main__":
 sys.exit(main())
