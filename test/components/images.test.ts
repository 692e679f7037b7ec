// How images are built for linux/arm64: the commands, and a tag that changes only with the sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildCommand, buildScript, sourceTag } from "../../components/images";
import type { ServicePlan } from "../../src/plan";
import { bareService } from "../plan/plan-support";

function service(image: ServicePlan["image"]): ServicePlan {
  return bareService({ resource: "api", name: "api", kind: "project.v0", image });
}

function sourceTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-src-"));
  fs.mkdirSync(path.join(dir, "Api/obj"), { recursive: true });
  fs.writeFileSync(path.join(dir, "Api/Api.csproj"), '<Project Sdk="Microsoft.NET.Sdk.Web" />');
  fs.writeFileSync(path.join(dir, "Api/Program.cs"), "app.Run();");
  return dir;
}

test("a .NET project is published as an arm64 container image without emulation, the password on stdin only", () => {
  const s = service({ kind: "project", projectPath: "/src/Api/Api.csproj", repository: "api" });
  const c = buildCommand(
    s,
    "123.dkr.ecr.eu-west-1.amazonaws.com/aspire-arm/dev/api:abc123",
    "123.dkr.ecr.eu-west-1.amazonaws.com",
  );
  assert.deepEqual(c.interpreter, ["/bin/sh", "-c"]);
  assert.match(c.create, /^set -eu\n/);
  assert.match(
    c.create,
    /dotnet publish "\$ASPIRE_PROJECT" -c Release --os linux --arch arm64 -t:PublishContainer/,
  );
  assert.match(c.create, /--password-stdin/);
  assert.ok(
    !/REGISTRY_PASSWORD=|-p\s+\S*\$REGISTRY_PASSWORD/.test(c.create),
    "the password goes through stdin only",
  );
  assert.deepEqual(c.environment, {
    ASPIRE_RESOURCE: "api",
    ASPIRE_REGISTRY: "123.dkr.ecr.eu-west-1.amazonaws.com",
    ASPIRE_IMAGE: "123.dkr.ecr.eu-west-1.amazonaws.com/aspire-arm/dev/api:abc123",
    ASPIRE_PROJECT: "/src/Api/Api.csproj",
    ASPIRE_REPOSITORY: "aspire-arm/dev/api",
    ASPIRE_TAG: "abc123",
  });
});

test("a Dockerfile is built with buildx for linux/arm64, build secrets as BuildKit secrets named by position", () => {
  const s = service({
    kind: "dockerfile",
    repository: "api",
    build: {
      contextPath: "/src/qots",
      dockerfilePath: "/src/qots/Dockerfile",
      stage: "runtime",
      args: {},
      secrets: {},
      buildOnly: false,
    },
    args: { GO_VERSION: { parts: ["1.23"], secret: false }, FROM_ENV: null },
    secrets: {
      SECRET_ASENV: {
        type: "env",
        value: {
          parts: [{ kind: "parameter", parameter: "secret", secret: true, filters: [] }],
          secret: true,
        },
      },
      CERT: { type: "file", sourcePath: "/src/cert.pem" },
    },
  });
  const c = buildCommand(s, "reg.example/aspire-arm/dev/api:t1", "reg.example");
  assert.match(
    c.create,
    /docker buildx build \\\n  --platform linux\/arm64 -f "\$ASPIRE_DOCKERFILE" -t "\$ASPIRE_IMAGE" --push \\\n  --target "\$ASPIRE_STAGE"/,
  );
  assert.equal(c.environment.ASPIRE_BUILD_ARG_0, "GO_VERSION=1.23");
  assert.equal(c.environment.ASPIRE_BUILD_ARG_1, "FROM_ENV");
  assert.equal(c.environment.ASPIRE_SECRET_0, "id=SECRET_ASENV,env=BUILD_SECRET_0");
  assert.equal(c.environment.ASPIRE_SECRET_1, "id=CERT,src=/src/cert.pem");
});

test("the script text holds no value: hostile names, paths and args give the same text as plain ones", () => {
  const plain = service({
    kind: "dockerfile",
    repository: "web",
    build: {
      contextPath: "/src/web",
      dockerfilePath: "/src/web/Dockerfile",
      stage: "final",
      args: {},
      secrets: {},
      buildOnly: false,
    },
    args: { A: { parts: ["1"], secret: false }, B: null },
    secrets: { S: { type: "env", value: { parts: ["x"], secret: false } } },
  });
  const evil = "$(touch /tmp/aspire-arm-x) `id` ; ' \" \n--push";
  const hostile: ServicePlan = {
    ...plain,
    resource: `web${evil}`,
    image: {
      kind: "dockerfile",
      repository: "web",
      build: {
        contextPath: `/src/${evil}`,
        dockerfilePath: `/src/${evil}/Dockerfile`,
        stage: evil,
        args: {},
        secrets: {},
        buildOnly: false,
      },
      args: { [`A${evil}`]: { parts: [evil], secret: false }, [evil]: null },
      secrets: { [evil]: { type: "env", value: { parts: [evil], secret: false } } },
    },
  };
  assert.equal(buildScript(hostile), buildScript(plain));
  assert.equal(
    buildCommand(hostile, `reg.example/web:t`, "reg.example").create,
    buildScript(plain),
  );
  assert.ok(
    !buildScript(plain).includes("touch") && !/\b(web|final|src)\b/.test(buildScript(plain)),
  );
  const project = (resource: string, projectPath: string) => ({
    ...service({ kind: "project", projectPath, repository: "api" }),
    resource,
  });
  assert.equal(
    buildScript(project(`api${evil}`, `/src/${evil}/Api.csproj`)),
    buildScript(project("api", "/src/Api/Api.csproj")),
  );
});

test("paths reach the tools absolute, so a path like --output=... can never be read as an option", () => {
  const build = {
    contextPath: "--output=type=local,dest=/tmp/x",
    dockerfilePath: "-f",
    args: {},
    secrets: {},
    buildOnly: false,
  };
  const c = buildCommand(
    service({
      kind: "dockerfile",
      repository: "web",
      build,
      args: {},
      secrets: { S: { type: "file", sourcePath: "-src" } },
    }),
    "reg.example/web:t",
    "reg.example",
  );
  assert.equal(c.environment.ASPIRE_CONTEXT, path.resolve("--output=type=local,dest=/tmp/x"));
  assert.equal(c.environment.ASPIRE_DOCKERFILE, path.resolve("-f"));
  assert.equal(c.environment.ASPIRE_SECRET_0, `id=S,src=${path.resolve("-src")}`);
  assert.equal(
    buildCommand(
      service({ kind: "project", projectPath: "-Api.csproj", repository: "api" }),
      "reg.example/api:t",
      "reg.example",
    ).environment.ASPIRE_PROJECT,
    path.resolve("-Api.csproj"),
  );
});

test("the tag is stable for unchanged sources, ignores build output, and changes with a source edit", () => {
  const dir = sourceTree();
  const s = service({
    kind: "project",
    projectPath: path.join(dir, "Api/Api.csproj"),
    repository: "api",
  });
  const first = sourceTag(s);
  assert.equal(sourceTag(s), first);
  fs.writeFileSync(path.join(dir, "Api/obj/project.assets.json"), "{}");
  assert.equal(sourceTag(s), first, "bin/ and obj/ do not count");
  fs.writeFileSync(path.join(dir, "Api/Program.cs"), "app.Run(); // changed");
  assert.notEqual(sourceTag(s), first);
  fs.rmSync(dir, { recursive: true, force: true });
});
