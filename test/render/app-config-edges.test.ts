// Edges of what a VM's app config and user data hold: a container's start order next to native
// services (compose waits only for what compose runs), the health gate's TCP probes (never a UDP
// port), and the scripts in the cloud-config (literal blocks, line for line, as the VM writes them).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as yaml from "js-yaml";
import { buildPlan } from "../../src/plan";
import { defaultSecretSource, renderVm } from "../../src/render";
import { vmScript } from "../../src/render/vm-scripts";
import {
  appFiles,
  composeOf,
  composeService,
  findService,
  manifestOf,
  tcp,
  vmOf,
} from "../plan/plan-support";

/** A native project, a container and a worker container using what `workerEnv` names. */
function nativeAndContainers(workerEnv: Record<string, string>) {
  const manifest = manifestOf({
    api: {
      type: "project.v0",
      path: "../Api/Api.csproj",
      bindings: { http: { scheme: "http", protocol: "tcp", transport: "http" } },
    },
    cache: {
      type: "container.v0",
      image: "docker.io/library/redis:7.4",
      bindings: { tcp: tcp(6379) },
    },
    worker: { type: "container.v0", image: "docker.io/library/busybox:1.37", env: workerEnv },
  });
  return buildPlan(manifest, { cloud: "aws", stack: "dev", runtime: "dotnet" }).plan;
}

test("compose: a container that uses a native project and a container of its VM waits for the container only (compose knows no native unit)", () => {
  const plan = nativeAndContainers({
    API: "{api.bindings.http.url}",
    CACHE: "{cache.bindings.tcp.url}",
  });
  assert.equal(findService(plan, "api").runAs, "native");
  // The plan's start order names both; compose can only wait for the one it runs.
  assert.deepEqual([...findService(plan, "worker").dependsOn].sort(), ["api", "cache"]);
  const compose = composeOf(plan, "app");
  assert.deepEqual(composeService(compose, "worker").depends_on, ["cache"]);
  assert.equal(compose.services.api, undefined, "the native project is a unit, not a container");
  // A container that uses only the native project waits for nothing in compose.
  const alone = nativeAndContainers({ API: "{api.bindings.http.url}" });
  assert.equal(composeService(composeOf(alone, "app"), "worker").depends_on, undefined);
});

test("health.list: a service's UDP ports are not probed, its TCP ones are (a TCP connect says nothing of a UDP listener)", () => {
  const { plan } = buildPlan(
    manifestOf({
      turn: {
        type: "container.v0",
        image: "docker.io/coturn/coturn:4.6",
        bindings: {
          tcp: tcp(3478, { external: true }),
          udp: {
            scheme: "udp",
            protocol: "udp",
            transport: "udp",
            targetPort: 5349,
            external: true,
          },
        },
      },
      dns: {
        type: "container.v0",
        image: "docker.io/coredns/coredns:1.12.0",
        bindings: {
          udp: { scheme: "udp", protocol: "udp", transport: "udp", targetPort: 53, external: true },
        },
      },
    }),
    { cloud: "aws", stack: "dev" },
  );
  const lines = (appFiles(plan, "app").get("health.list") ?? "")
    .split("\n")
    .filter((l) => l && !l.startsWith("#"));
  assert.deepEqual(lines, ["turn container tcp 3478"]);
});

test("cloud-config: each script is written as a literal block, line for line as the VM gets it (no folded lines, whatever their length)", () => {
  const { plan } = buildPlan(
    manifestOf({
      cache: {
        type: "container.v0",
        image: "docker.io/library/redis:7.4",
        bindings: { tcp: tcp(6379) },
      },
    }),
    { cloud: "aws", stack: "dev" },
  );
  const text = renderVm(plan, vmOf(plan, "app"), {
    secretSource: defaultSecretSource(plan),
  }).cloudConfig;
  const bootstrap = vmScript("bootstrap.sh");
  assert.ok(
    bootstrap.split("\n").some((l) => l.length > 120),
    "the sample has a line longer than a folding width",
  );
  const doc = yaml.load(text) as { write_files: { path: string; content: string }[] };
  const written = doc.write_files.find((f) => f.path.endsWith("/bootstrap.sh"));
  assert.equal(written?.content, bootstrap);
  // In the text itself: a `content: |` block whose lines are the script's, each on its own line.
  const at = text.indexOf(`content: |`, text.indexOf("/bootstrap.sh"));
  assert.ok(at > 0, "bootstrap.sh is a literal block");
  const block = text.slice(text.indexOf("\n", at) + 1).split("\n");
  const indent = /^ */.exec(block[0])![0];
  const lines = bootstrap.replace(/\n$/, "").split("\n");
  assert.deepEqual(
    block.slice(0, lines.length).map((l) => (l === "" ? l : l.slice(indent.length))),
    lines,
  );
  // List items sit at their key's indentation (noArrayIndent): `- path:` starts a line.
  assert.match(text, /^write_files:\n- /m);
});

test("compose: Caddy publishes the ports of the endpoints it proxies only; a public tcp endpoint stays its container's own", () => {
  const { plan } = buildPlan(
    manifestOf({
      web: {
        type: "container.v0",
        image: "docker.io/library/nginx:1.27",
        bindings: {
          http: {
            scheme: "http",
            protocol: "tcp",
            transport: "http",
            targetPort: 80,
            external: true,
          },
        },
      },
      turn: {
        type: "container.v0",
        image: "docker.io/coturn/coturn:4.6",
        bindings: { tcp: tcp(3478, { external: true }) },
      },
    }),
    { cloud: "aws", stack: "dev" },
  );
  const compose = composeOf(plan, "app");
  assert.deepEqual(composeService(compose, "caddy").ports, ["80:80"]);
  assert.deepEqual(composeService(compose, "turn").ports, ["3478:3478"]);
});
