// Where a .NET project that runs natively (runtime dotnet) listens. In a container, the .NET image
// sets ASPNETCORE_HTTP_PORTS=8080 and Docker maps the port; a native process gets neither, and
// Kestrel's default is http://localhost:5000. So the plan gives each native project
// ASPNETCORE_URLS with every port it planned for the project's http and https bindings:
//
//   - one URL a port: http and https bindings share their target port (HARD.md item 9), and both
//     are plain HTTP, because TLS ends at the VM's proxy;
//   - `http://*:PORT` when a client reaches the port from outside the VM's loopback: the proxy and
//     any container on the VM (they call host.docker.internal, the Docker bridge's gateway, whose
//     address the plan does not know), or another VM (the VM's private address). `*` is every
//     IPv4 and IPv6 address, as the .NET images' ASPNETCORE_HTTP_PORTS binds them; the cloud
//     firewall (security group / firewall rules) still lets in only the app's own VMs and the
//     proxy's public ports;
//   - `http://localhost:PORT` (127.0.0.1 and ::1) when only native processes of the same VM (and
//     the project itself) call it.
//
// A manifest that sets the port itself (HTTP_PORTS, as Aspire 9 writes it, or ASPNETCORE_URLS /
// ASPNETCORE_HTTP_PORTS ...) keeps its setting when that setting listens on exactly the planned
// ports, on at least the addresses above. Otherwise (a literal 8080 that the plan gave another
// native project on the VM, an https URL, a value known only on the VM) the URLs of the plan
// replace it, with a warning. Kestrel reads `urls` before `http_ports`/`https_ports`, so
// ASPNETCORE_URLS wins over a port list the manifest also sets (Kestrel logs that it overrides it).
import {
  diagnostic,
  type Binding,
  type ComputeResource,
  type Diagnostic,
  type Value,
} from "../manifest";

export interface ListenPort {
  readonly port: number;
  /** Reached from outside the VM's loopback (the proxy, a container, another VM). */
  readonly wide: boolean;
}

/** Kestrel's configuration keys for its addresses, as env names: `urls`, `http_ports`,
 *  `https_ports`, unprefixed (WebApplication reads every variable) or with the host prefixes. */
const URLS = /^(ASPNETCORE_|DOTNET_)?URLS$/i;
const PORTS = /^(ASPNETCORE_|DOTNET_)?HTTPS?_PORTS$/i;

/** The http(s) ports a native project listens on, one entry a port, in binding order. */
export function listenPorts(
  s: ComputeResource,
  targetPort: (b: Binding) => number,
  wide: (b: Binding) => boolean,
): ListenPort[] {
  const out = new Map<number, boolean>();
  for (const b of Object.values(s.bindings)) {
    if (b.scheme !== "http" && b.scheme !== "https") continue;
    const port = targetPort(b);
    out.set(port, (out.get(port) ?? false) || wide(b));
  }
  return [...out].map(([port, w]) => ({ port, wide: w }));
}

export function aspnetcoreUrls(ports: readonly ListenPort[]): string {
  return ports.map((p) => `http://${p.wide ? "*" : "localhost"}:${p.port}`).join(";");
}

/**
 * The env of a native project with the plan's ASPNETCORE_URLS, unless the manifest's own setting
 * already listens where the plan needs it. Adds a warning when it replaces the manifest's setting.
 */
export function withListenUrls(
  resource: string,
  env: Readonly<Record<string, Value>>,
  ports: readonly ListenPort[],
  warnings: Diagnostic[],
): Record<string, Value> {
  const out = { ...env };
  if (ports.length === 0) return out;
  const urls = aspnetcoreUrls(ports);
  const urlKeys = Object.keys(env).filter((k) => URLS.test(k));
  const portKeys = Object.keys(env).filter((k) => PORTS.test(k));
  // Kestrel takes `urls` when it is set, the port lists otherwise.
  const checked = urlKeys.length
    ? urlKeys.map((k) => [k, urlsProblem(env[k], ports)] as const)
    : portKeys.map((k) => [k, portsProblem(k, env[k], ports)] as const);
  const [key, problem] = checked.find(([, p]) => p !== undefined) ?? [];
  const set = { parts: [urls], secret: false };
  if (key !== undefined && problem !== undefined) {
    warnings.push(
      diagnostic(
        resource,
        `env.${key}`,
        `${problem}; running natively, ${resource} listens on ${urls} instead (ASPNETCORE_URLS, which Kestrel reads before HTTP_PORTS): the ports its clients and the proxy were given.`,
      ),
    );
    // Every `urls` key the manifest has gets the plan's value: .NET's configuration reads them
    // all, and the unprefixed one comes last.
    for (const k of urlKeys) out[k] = set;
    if (!urlKeys.length) out.ASPNETCORE_URLS = set;
  } else if (!urlKeys.length && !portKeys.some((k) => !/HTTPS_PORTS$/i.test(k)))
    out.ASPNETCORE_URLS = set;
  return out;
}

const literal = (v: Value): string | undefined =>
  v.parts.every((p) => typeof p === "string") ? v.parts.join("") : undefined;
const samePorts = (a: readonly number[], b: readonly ListenPort[]) =>
  a.length === b.length && b.every((p) => a.includes(p.port));
const planned = (ports: readonly ListenPort[]) => ports.map((p) => p.port).join(";");

function portsProblem(key: string, v: Value, ports: readonly ListenPort[]): string | undefined {
  const text = literal(v);
  if (text === undefined) return "the port list is known only on the VM (it holds a parameter)";
  const list = text
    .split(";")
    .map((p) => p.trim())
    .filter(Boolean);
  // An https port list makes Kestrel look for a certificate, which the VM does not have.
  if (/HTTPS_PORTS$/i.test(key))
    return list.length
      ? `Kestrel would serve https on ${text} without a certificate (TLS ends at the VM's proxy)`
      : undefined;
  const numbers = list.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  // A port list binds every address: wide enough for any client.
  if (numbers.some(Number.isNaN) || !samePorts([...new Set(numbers)], ports))
    return `${text} is not the planned ports ${planned(ports)}`;
  return undefined;
}

function urlsProblem(v: Value, ports: readonly ListenPort[]): string | undefined {
  const text = literal(v);
  if (text === undefined) return "the URLs are known only on the VM (they hold a parameter)";
  const found: number[] = [];
  // As ASP.NET Core splits `urls`: empty entries dropped, none trimmed (Kestrel refuses a scheme
  // or a port with a space around it, and fails to start).
  for (const u of text.split(";").filter(Boolean)) {
    const m = /^(https?):\/\/(\[[^\]]*\]|[^/:]+):(\d+)\/?$/i.exec(u);
    if (!m) return `${u} is not a URL with a port`;
    if (m[1].toLowerCase() === "https")
      return `Kestrel would serve ${u} without a certificate (TLS ends at the VM's proxy)`;
    const port = Number(m[3]);
    const host = m[2].toLowerCase();
    const any =
      ["*", "+", "0.0.0.0", "[::]"].includes(host) ||
      !/^(localhost|127\.0\.0\.1|\[::1\]|\d+\.\d+\.\d+\.\d+|\[.*\])$/.test(host);
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(host);
    const need = ports.find((p) => p.port === port);
    if (need?.wide && !any)
      return `${u} listens on ${m[2]} only, but clients outside the VM's loopback call port ${port}`;
    if (need && !any && !loopback) return `${u} listens on ${m[2]} only`;
    found.push(port);
  }
  if (!samePorts([...new Set(found)], ports))
    return `${text} is not the planned ports ${planned(ports)}`;
  return undefined;
}
