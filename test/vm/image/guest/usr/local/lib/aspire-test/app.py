#!/usr/bin/env python3
"""TEST IMAGE ONLY: the stand-in for the starter's .NET projects (apiservice, webfrontend) in the
emulated-VM test. Standard library only.

Listens on the first port of $HTTP_PORTS (what ASP.NET Core reads), and answers:
  GET /        JSON: this service, whether ConnectionStrings__cache reaches Redis (AUTH + PING over
               RESP) and whether services__apiservice__http__0 answers (service discovery)
  GET /health  "ok"
  GET /set?key=K&value=V, GET /get?key=K   a value in Redis (data-survives-reboot checks)
Never prints or returns the password.
"""
import json
import os
import signal
import socket
import sys
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def cache_endpoint():
    """(host, port, password) of StackExchange.Redis' `host:port,password=...`, or None."""
    text = os.environ.get("ConnectionStrings__cache")
    if not text:
        return None
    parts = [p.strip() for p in text.split(",")]
    host, _, port = parts[0].rpartition(":")
    password = None
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k.strip().lower() == "password":
            password = v
    return host, int(port or 6379), password


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        b = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def reply(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n")
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError("redis error: " + rest.decode().split(" ")[0])
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    raise RuntimeError("unexpected redis reply")


def redis(*commands):
    ep = cache_endpoint()
    if ep is None:
        raise RuntimeError("no ConnectionStrings__cache")
    host, port, password = ep
    with socket.create_connection((host, port), timeout=5) as s:
        f = s.makefile("rb")
        if password is not None:
            s.sendall(command("AUTH", password))
            reply(f)
        results = []
        for c in commands:
            s.sendall(command(*c))
            results.append(reply(f))
        return results


def status():
    out = {"service": os.environ.get("OTEL_SERVICE_NAME") or socket.gethostname()}
    if cache_endpoint() is None:
        out["redis"] = "not configured"
    else:
        out["cache"] = "%s:%d" % cache_endpoint()[:2]
        try:
            out["redis"] = redis(("PING",))[0]
        except Exception as e:  # noqa: BLE001 - reported to the caller, without the password
            out["redis"] = "error: %s: %s" % (type(e).__name__, str(e)[:200])
    api = os.environ.get("services__apiservice__http__0")
    if api:
        try:
            with urllib.request.urlopen(api.rstrip("/") + "/health", timeout=5) as r:
                out["apiservice"] = r.read().decode().strip()
        except Exception as e:  # noqa: BLE001
            out["apiservice"] = "error: %s" % type(e).__name__
    return out


class Handler(BaseHTTPRequestHandler):
    def send(self, code, body):
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        try:
            if url.path == "/":
                self.send(200, status())
            elif url.path == "/health":
                self.send(200, "ok")
            elif url.path == "/set" and "key" in q:
                self.send(200, {"set": redis(("SET", q["key"], q.get("value", "")))[0]})
            elif url.path == "/get" and "key" in q:
                self.send(200, {"value": redis(("GET", q["key"]))[0]})
            else:
                self.send(404, "not found")
        except Exception as e:  # noqa: BLE001
            self.send(500, {"error": type(e).__name__, "message": str(e)[:200]})

    def log_message(self, fmt, *args):
        pass


def main():
    # PID 1 of its container: without a handler SIGTERM would be ignored and `docker stop` would
    # wait 10 s for SIGKILL (ASP.NET Core stops on SIGTERM).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ports = [p for p in os.environ.get("HTTP_PORTS", "8080").replace(",", ";").split(";") if p.strip()]
    server = ThreadingHTTPServer(("", int(ports[0])), Handler)
    print("aspire-test-app listening on %s" % ports[0], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
