// What a container gets from the compose file, after Docker Compose's own interpolation: exactly
// the manifest's text, wherever the text lands (env, args, entrypoint, mount targets), and mounts
// that only ever name the app's own volumes and files.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as yaml from "js-yaml";
import { checkManifest } from "../../src/manifest";
import { buildPlan } from "../../src/plan";
import type { ComposeDocument, ComposeYaml } from "../../src/render";
import { composeSchemaErrors } from "../support/compose-schema";
import { composeInterpolate, interpolateDocument } from "../support/compose-interpolation";
import { render } from "../plan/plan-support";

const HOSTILE = [
  "$HOME",
  "${HOME}",
  "${X:-/host}",
  "${X:?boom}",
  "$(id)",
  "`id`",
  "$$",
  "$",
  "a$",
  "\n  evil: {image: x}\n",
  "50%",
  "\\$HOME",
];

function plan(resources: Record<string, unknown>) {
  const result = checkManifest({
    file: "/apps/t/aspire-manifest.json",
    dir: "/apps/t",
    document: { resources },
  });
  assert.deepEqual(result.errors, []);
  return buildPlan(result.manifest!, { cloud: "aws", stack: "dev" }).plan;
}

const ENV = { HOME: "/root", USER: "root", X: "from-the-vm", ASPIRE_P_S: "se$cret ${HOME}" };

test("compose interpolation itself, as the tests model it", () => {
  assert.equal(
    composeInterpolate("$$HOME ${HOME} $HOME ${Y:-d} ${X:+alt} $$", ENV),
    "$HOME /root /root d alt $",
  );
  assert.throws(() => composeInterpolate("$(id)", ENV), /invalid compose template/);
  assert.throws(() => composeInterpolate("${Y:?missing}", ENV), /required variable Y/);
});

test("every literal $ reaches the container as written, only the secrets' variables are filled in", () => {
  const p = plan({
    s: {
      type: "parameter.v0",
      value: "{s.inputs.value}",
      inputs: { value: { type: "string", secret: true } },
    },
    c: {
      type: "container.v0",
      image: "docker.io/library/alpine:3.20",
      entrypoint: "/bin/sh$HOME",
      args: [...HOSTILE, "{s.value}"],
      env: {
        ...Object.fromEntries(HOSTILE.map((h, i) => [`V${i}`, h])),
        SECRET: "pw={s.value};home=$HOME",
      },
      volumes: [
        { name: "data", target: "/data/${HOME}-$(id)" },
        { target: "/tmp/${ASPIRE_SECRET-/host}" },
      ],
      bindMounts: [{ source: "cfg", target: "/cfg-${USER}", readOnly: true }],
    },
  });
  const text = render(p, p.vms[0]).appConfig.find((f) => f.path === "compose.yaml")?.content ?? "";
  assert.deepEqual(composeSchemaErrors(text), []);
  const doc = interpolateDocument(yaml.load(text), ENV) as ComposeYaml<ComposeDocument>;
  const c = doc.services.c;
  assert.deepEqual(c.entrypoint, ["/bin/sh$HOME"]);
  assert.deepEqual(c.command, [...HOSTILE, ENV.ASPIRE_P_S]);
  assert.deepEqual(c.environment, {
    ...Object.fromEntries(HOSTILE.map((h, i) => [`V${i}`, h])),
    SECRET: `pw=${ENV.ASPIRE_P_S};home=$HOME`,
  });
  assert.deepEqual(c.volumes, [
    { type: "volume", source: "data", target: "/data/${HOME}-$(id)" },
    { type: "volume", target: "/tmp/${ASPIRE_SECRET-/host}" },
    {
      type: "bind",
      source: "./files/c/0",
      target: "/cfg-${USER}",
      read_only: true,
      bind: { create_host_path: true },
    },
  ]);
  // The only services are the manifest's: no text broke out of its YAML string.
  assert.deepEqual(Object.keys(doc.services), ["c"]);
});

test("mounts only name the app's own volumes and files, whatever the manifest asks", () => {
  const p = plan({
    db: {
      type: "container.v0",
      image: "docker.io/library/postgres:17.4",
      volumes: [
        { name: "pg-data", target: "/var/lib/postgresql/data" },
        { target: "/scratch", readOnly: true },
      ],
    },
    web: {
      type: "container.v0",
      image: "docker.io/library/nginx:1.27",
      bindMounts: [{ source: "../site", target: "/usr/share/nginx/html" }],
    },
  });
  const text = render(p, p.vms[0]).appConfig.find((f) => f.path === "compose.yaml")?.content ?? "";
  const doc = yaml.load(text) as ComposeYaml<ComposeDocument>;
  // A short-syntax mount (the proxy's) would show as string:<mount>.
  const sources = Object.values(doc.services).flatMap((s) =>
    (s.volumes ?? []).map((m) =>
      typeof m === "string" ? `string:${m}` : `${m.type}:${m.source ?? "(anonymous)"}`,
    ),
  );
  assert.deepEqual(sources, ["volume:pg-data", "volume:(anonymous)", "bind:./files/web/0"]);
  assert.equal(
    doc.volumes?.["pg-data"].driver_opts?.device,
    "/var/lib/aspire-arm/data/volumes/pg-data",
  );
});
