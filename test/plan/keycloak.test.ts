// Keycloak in production mode (`start`) exits at boot without TLS key material or a hostname. The
// plan adds what it needs behind the VM's proxy (src/plan/image-settings.ts), unless the manifest
// already says it, and warns with what it added.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadManifest, type Diagnostic } from "../../src/manifest";
import { buildPlan } from "../../src/plan";
import { IMAGE_REQUIREMENTS, withImageSettings } from "../../src/plan/image-settings";
import { composeSchemaErrors } from "../support/compose-schema";
import { appFiles, composeOf, composeService, findService, fixture, plain } from "./plan-support";

const manifestFile = fixture("plan-keycloak.json");

function planned() {
  const { manifest } = loadManifest(manifestFile);
  return buildPlan(manifest, { cloud: "aws", stack: "dev" });
}

const ADDED = ["KC_HTTP_ENABLED", "KC_PROXY_HEADERS", "KC_HOSTNAME_STRICT"];

function addedKeys(service: string): string[] {
  const env = findService(planned().plan, service).env;
  return ADDED.filter((k) => k in env);
}

test("Keycloak `start` with an external endpoint: HTTP enabled, X-Forwarded headers, no strict hostname, in the compose file", () => {
  const { plan } = planned();
  const env = findService(plan, "idp").env;
  assert.deepEqual(env.KC_HTTP_ENABLED, plain("true"));
  assert.deepEqual(env.KC_PROXY_HEADERS, plain("xforwarded"));
  assert.deepEqual(env.KC_HOSTNAME_STRICT, plain("false"));
  // The manifest's own env is untouched, in its order, before the added settings.
  assert.deepEqual(Object.keys(env), [
    "KC_BOOTSTRAP_ADMIN_USERNAME",
    "KC_BOOTSTRAP_ADMIN_PASSWORD",
    "KC_HEALTH_ENABLED",
    ...ADDED,
  ]);
  const idp = composeService(composeOf(plan, "app"), "idp");
  assert.equal(idp.environment?.KC_HTTP_ENABLED, "true");
  assert.equal(idp.environment?.KC_PROXY_HEADERS, "xforwarded");
  assert.equal(idp.environment?.KC_HOSTNAME_STRICT, "false");
  assert.deepEqual(idp.command, ["start", "--import-realm"]);
  assert.deepEqual(composeSchemaErrors(appFiles(plan, "app").get("compose.yaml") ?? ""), []);
});

test("the plan warns once per Keycloak it changed, naming each setting added and the guides", () => {
  const { warnings } = planned();
  const kc = warnings.filter((w) => w.message.startsWith("Keycloak"));
  assert.deepEqual(
    kc.map((w) => [w.resource, w.field]),
    [
      ["idp", "env"],
      ["idp-internal", "env"],
    ],
  );
  const idp = kc[0].message;
  for (const s of [
    "KC_HTTP_ENABLED=true",
    "KC_PROXY_HEADERS=xforwarded",
    "KC_HOSTNAME_STRICT=false",
    "KC_HOSTNAME",
    "https://www.keycloak.org/server/reverseproxy",
    "https://www.keycloak.org/server/hostname",
  ])
    assert.ok(idp.includes(s), `${s} missing from: ${idp}`);
  assert.ok(!kc[1].message.includes("KC_PROXY_HEADERS="), kc[1].message);
  // One sentence: each setting added with its reason, the settings apart.
  const added = /aspire-arm added (.*)\. To choose otherwise/.exec(kc[1].message)?.[1] ?? "";
  assert.match(added, /^KC_HTTP_ENABLED=true \([^()]+\), KC_HOSTNAME_STRICT=false \([^()]+\)$/);
});

test("Keycloak `start` reached only inside the app: HTTP and dynamic hostname, but no forwarding headers (no proxy in front of it)", () => {
  assert.deepEqual(addedKeys("idp-internal"), ["KC_HTTP_ENABLED", "KC_HOSTNAME_STRICT"]);
});

test("development mode (`start-dev`) and other images with a `start` argument are left alone", () => {
  assert.deepEqual(addedKeys("idp-dev"), []);
  assert.deepEqual(addedKeys("runner"), []);
});

test("settings the manifest makes, as env or as flags, are kept and not added again: --http-enabled, KC_HOSTNAME, KC_PROXY_HEADERS", () => {
  const env = findService(planned().plan, "idp-configured").env;
  assert.deepEqual(Object.keys(env), ["KC_HOSTNAME", "KC_PROXY_HEADERS"]);
  assert.deepEqual(env.KC_PROXY_HEADERS, plain("forwarded"));
  assert.equal(planned().warnings.filter((w) => w.resource === "idp-configured").length, 0);
});

test("the image is matched by repository on any registry, tag or digest, including an aspire:images mirror", () => {
  const { manifest } = loadManifest(manifestFile);
  const mirror = "123456789012.dkr.ecr.us-east-1.amazonaws.com/keycloak/keycloak:26.2";
  const { plan } = buildPlan(manifest, {
    cloud: "aws",
    stack: "dev",
    images: { "idp-dev": mirror, runner: "docker.io/keycloak/keycloak:26.2" },
  });
  // idp-dev runs start-dev whatever its image; runner's `start` now runs Keycloak.
  assert.deepEqual(
    ADDED.filter((k) => k in findService(plan, "idp-dev").env),
    [],
  );
  assert.deepEqual(
    ADDED.filter((k) => k in findService(plan, "runner").env),
    ADDED,
  );
  const input = { resource: "kc", args: [plain("start")], env: {}, behindProxy: false };
  for (const image of [
    "quay.io/keycloak/keycloak",
    "quay.io/keycloak/keycloak:26.2@sha256:" + "0".repeat(64),
    "QUAY.IO/Keycloak/Keycloak:latest",
    mirror,
  ])
    assert.ok("KC_HTTP_ENABLED" in withImageSettings({ ...input, image }, []), image);
  for (const image of [
    "quay.io/keycloak/keycloak-operator:26.2",
    "docker.io/jboss/keycloak:16.1.1",
    "ghcr.io/example/keycloak:1",
  ])
    assert.deepEqual(withImageSettings({ ...input, image }, []), {}, image);
});

test("a flag given as a word of its own, or as `--flag=` before a parameter, counts as set; other args holding a parameter are read around", () => {
  const secretArg = {
    parts: [{ kind: "parameter" as const, parameter: "admin", secret: true, filters: [] }],
    secret: true,
  };
  const warnings: Diagnostic[] = [];
  const env = withImageSettings(
    {
      resource: "kc",
      image: "quay.io/keycloak/keycloak:26.2",
      // `--hostname id.example.com` as two words, as Keycloak also takes it
      args: [plain("start"), plain("--hostname"), plain("id.example.com"), secretArg],
      env: {},
      behindProxy: false,
    },
    warnings,
  );
  assert.deepEqual(env, { KC_HTTP_ENABLED: plain("true") });
  assert.deepEqual(
    warnings.map((w) => [w.resource, w.field]),
    [["kc", "env"]],
  );
  // `--flag=` before a parameter's value sets the flag too.
  const hostArg = { parts: ["--hostname=", secretArg.parts[0]], secret: true };
  const withHost = withImageSettings(
    {
      resource: "kc",
      image: "quay.io/keycloak/keycloak:26.2",
      args: [plain("start"), hostArg, plain("--http-enabled=true")],
      env: {},
      behindProxy: false,
    },
    [],
  );
  assert.deepEqual(withHost, {});
});

test("`start` must be a literal argument: an expression that evaluates to text is not guessed at", () => {
  const secretArg = {
    parts: [{ kind: "parameter" as const, parameter: "mode", secret: true, filters: [] }],
    secret: true,
  };
  assert.deepEqual(
    withImageSettings(
      {
        resource: "kc",
        image: "quay.io/keycloak/keycloak:26.2",
        args: [secretArg],
        env: {},
        behindProxy: true,
      },
      [],
    ),
    {},
  );
});

test("every entry of the table has settings, a source page and a reason for each setting", () => {
  for (const r of IMAGE_REQUIREMENTS) {
    assert.ok(r.settings.length > 0 && /^https:\/\//.test(r.source), r.name);
    for (const s of r.settings)
      assert.ok(s.why && s.unlessSet.includes(s.env), `${r.name} ${s.env}`);
  }
});

test("each way of setting a flag keeps the plan's setting out: --proxy-headers, KC_PROXY and --proxy (Keycloak 24 and before), --hostname-strict; the problem is named", () => {
  const base = {
    resource: "kc",
    image: "quay.io/keycloak/keycloak:26.2",
    env: {},
    behindProxy: true,
  };
  // The keys the plan added (the manifest's own env stays as it is).
  const added = (args: string[], env: Record<string, string> = {}) =>
    ADDED.filter(
      (k) =>
        k in
        withImageSettings(
          {
            ...base,
            args: ["start", ...args].map(plain),
            env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, plain(v)])),
          },
          [],
        ),
    );
  assert.deepEqual(added([]), ADDED);
  assert.deepEqual(added(["--proxy-headers=forwarded"]), ["KC_HTTP_ENABLED", "KC_HOSTNAME_STRICT"]);
  assert.deepEqual(added(["--proxy", "edge"]), ["KC_HTTP_ENABLED", "KC_HOSTNAME_STRICT"]);
  assert.deepEqual(added([], { KC_PROXY: "edge" }), ["KC_HTTP_ENABLED", "KC_HOSTNAME_STRICT"]);
  assert.deepEqual(added(["--hostname-strict=false"]), ["KC_HTTP_ENABLED", "KC_PROXY_HEADERS"]);
  const warnings: Diagnostic[] = [];
  withImageSettings({ ...base, args: [plain("start")] }, warnings);
  assert.match(
    warnings[0].message,
    /exits at boot without TLS key material or a hostname, and behind a proxy needs its forwarding headers/,
  );
  // Only Keycloak's own repository, at the start of the path after a registry: not a lookalike.
  for (const image of ["quay.io/acme-keycloak/keycloak:26.2", "example/notkeycloak/keycloak:1"])
    assert.deepEqual(withImageSettings({ ...base, image, args: [plain("start")] }, []), {}, image);
});
