// Settings that known images need to start on a VM, where nothing else provides them. Under
// Aspire's run mode the AppHost or the developer's machine does; in a published manifest (and in
// Aspire's own compose output) they are missing and the container exits at boot. Each entry is data:
// the image, when it applies, the settings with the flags that set the same option, and the page
// that says so. A setting the manifest already makes (as env or as a flag in args) is left alone,
// and every setting added is reported as a plan warning, so the user sees what changed and can set
// it in the AppHost instead.
import type { Diagnostic, Value } from "../manifest";
import { imageRepository } from "../manifest/arm64-images";

export interface RequiredSetting {
  /** The environment variable added. */
  readonly env: string;
  readonly value: string;
  /** Other ways to say the same or to make it unnecessary: env names, or `--flag` options in args
   *  (matched as `--flag` and `--flag=...`). When the manifest uses any of them, nothing is added. */
  readonly unlessSet: readonly string[];
  /** Only for a service with an external http(s) endpoint: its requests come through the VM's
   *  proxy (Caddy), which sets and overwrites the forwarding headers. */
  readonly behindProxyOnly?: true;
  /** Why, for the warning. */
  readonly why: string;
}

export interface ImageRequirement {
  readonly name: string;
  /** The repository, any registry and tag (imageRepository form: lower case, no docker.io/). */
  readonly repository: RegExp;
  /** Applies when one of the args is exactly this word (a literal, not an expression). */
  readonly whenArg: string;
  /** What goes wrong without the settings, for the warning. */
  readonly problem: string;
  readonly settings: readonly RequiredSetting[];
  readonly source: string;
}

export const IMAGE_REQUIREMENTS: readonly ImageRequirement[] = [
  {
    // Keycloak's production mode (`start`, not `start-dev`) refuses to start without TLS key
    // material unless HTTP is enabled, and without a hostname unless strict hostnames are off.
    // The option names are those of Keycloak 24 and later: `proxy-headers` arrived in 24 and
    // `proxy` (edge, reencrypt, passthrough) was deprecated there (Red Hat build of Keycloak 24.0
    // server guide, "Proxy modes"); hostname v2 became the default in 25 and the v1 options
    // (hostname-url, hostname-strict-https, ...) are removed in 26 (https://www.keycloak.org/docs/25.0.0/upgrading,
    // "New Hostname options"); `hostname-strict` exists in both. Every option is also read from
    // KC_<OPTION> (https://www.keycloak.org/server/all-config).
    name: "Keycloak",
    repository: /^(.+\/)?keycloak\/keycloak$/,
    whenArg: "start",
    problem:
      "exits at boot without TLS key material or a hostname, and behind a proxy needs its forwarding headers",
    source:
      "https://www.keycloak.org/server/reverseproxy and https://www.keycloak.org/server/hostname",
    settings: [
      {
        env: "KC_HTTP_ENABLED",
        value: "true",
        unlessSet: ["KC_HTTP_ENABLED", "--http-enabled"],
        // "If TLS connection is terminated at the reverse proxy (edge termination), enabling HTTP
        // through the http-enabled setting is required." (reverseproxy guide)
        why: "the manifest gives it no TLS key material: it serves plain HTTP inside the app, and TLS, with aspire:domain, ends at the VM's proxy",
      },
      {
        env: "KC_PROXY_HEADERS",
        value: "xforwarded",
        unlessSet: ["KC_PROXY_HEADERS", "--proxy-headers", "KC_PROXY", "--proxy"],
        behindProxyOnly: true,
        // Caddy 2.5 and later sets X-Forwarded-For, -Proto and -Host and no longer trusts the ones
        // clients send unless trusted_proxies says so (Caddy 2.5.0 release notes; reverse_proxy
        // directive, https://caddyserver.com/docs/caddyfile/directives/reverse_proxy; our
        // Caddyfile sets no trusted_proxies), which the guide requires before parsing them.
        why: "its external endpoint is served by the VM's proxy, Caddy, which sets X-Forwarded-For, -Proto and -Host and overwrites what clients send",
      },
      {
        env: "KC_HOSTNAME_STRICT",
        value: "false",
        unlessSet: ["KC_HOSTNAME_STRICT", "--hostname-strict", "KC_HOSTNAME", "--hostname"],
        // "bin/kc.sh start --hostname-strict false --proxy-headers forwarded": fully dynamic URLs
        // (hostname guide, "Using a reverse proxy").
        // The guide recommends strict hostnames in production unless the proxy overwrites Host;
        // Caddy passes the client's Host on, so say how to pin it.
        why: "the manifest sets no hostname: Keycloak takes it from each request's Host header; in production set KC_HOSTNAME to its public URL instead",
      },
    ],
  },
];

export interface ImageSettingsInput {
  readonly resource: string;
  /** The image the VM pulls, when the service runs a published image. */
  readonly image?: string;
  readonly args: readonly Value[];
  readonly env: Readonly<Record<string, Value>>;
  /** Whether the service has an external http(s) endpoint (served through the VM's proxy). */
  readonly behindProxy: boolean;
}

/** The service's env with the settings its image needs added, and a warning for each service
 *  that got some. */
export function withImageSettings(
  s: ImageSettingsInput,
  warnings: Diagnostic[],
): Record<string, Value> {
  const env: Record<string, Value> = { ...s.env };
  if (s.image === undefined) return env;
  const repository = imageRepository(s.image);
  const literalArgs = s.args.map((a) =>
    a.parts.every((p) => typeof p === "string") ? a.parts.join("") : undefined,
  );
  // The literal text an arg starts with: `--hostname=` of `--hostname={host.value}` sets the flag
  // as surely as a literal value does.
  const leads = s.args.map((a) => (typeof a.parts[0] === "string" ? a.parts[0] : ""));
  for (const req of IMAGE_REQUIREMENTS) {
    if (!req.repository.test(repository) || !literalArgs.includes(req.whenArg)) continue;
    const setByManifest = (name: string) =>
      name.startsWith("--")
        ? literalArgs.includes(name) || leads.some((lead) => lead.startsWith(`${name}=`))
        : Object.hasOwn(s.env, name);
    const added = req.settings.filter(
      (x) => (!x.behindProxyOnly || s.behindProxy) && !x.unlessSet.some(setByManifest),
    );
    if (added.length === 0) continue;
    for (const x of added) env[x.env] = { parts: [x.value], secret: false };
    warnings.push({
      resource: s.resource,
      field: "env",
      message:
        `${req.name} in production mode (${req.whenArg}) ${req.problem}; the manifest does not set these, so aspire-arm added ` +
        added.map((x) => `${x.env}=${x.value} (${x.why})`).join(", ") +
        `. To choose otherwise, set them in the AppHost (WithEnvironment). See ${req.source}.`,
    });
  }
  return env;
}
