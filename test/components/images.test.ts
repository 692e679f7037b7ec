// How images are built for linux/arm64: the commands, and a tag that changes only with the sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildScript, sourceTag } from "../../components/images";
import type { ServicePlan } from "../../src/plan";

function service(image: ServicePlan["image"]): ServicePlan {
  return { resource: "api", name: "api", kind: "project.v0", runAs: "container", image, args: [], env: {}, ports: [], volumes: [], bindMounts: [], dependsOn: [] };
}

function sourceTree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aspire-arm-src-"));
  fs.mkdirSync(path.join(dir, "Api/obj"), { recursive: true });
  fs.writeFileSync(path.join(dir, "Api/Api.csproj"), "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />");
  fs.writeFileSync(path.join(dir, "Api/Program.cs"), "app.Run();");
  return dir;
}

test("a .NET project is published as an arm64 container image without emulation", () => {
  const s = service({ kind: "project", projectPath: "/src/Api/Api.csproj", repository: "api" });
  const script = buildScript(s, "123.dkr.ecr.eu-west-1.amazonaws.com/aspire-arm/dev/api:abc123", "123.dkr.ecr.eu-west-1.amazonaws.com");
  assert.match(script, /dotnet publish '\/src\/Api\/Api\.csproj' -c Release --os linux --arch arm64 -t:PublishContainer/);
  assert.match(script, /-p:ContainerRepository='aspire-arm\/dev\/api' -p:ContainerImageTag='abc123'/);
  assert.match(script, /--password-stdin/);
  assert.ok(!script.includes("REGISTRY_PASSWORD=") && !/-p\s+\S*\$REGISTRY_PASSWORD/.test(script), "the password goes through stdin only");
  assert.match(script, /test -e '\/src\/Api\/Api\.csproj' \|\| .*aspire:images\.api/);
});

test("a Dockerfile is built with buildx for linux/arm64, build secrets as BuildKit secrets", () => {
  const s = service({
    kind: "dockerfile",
    repository: "api",
    build: { contextPath: "/src/qots", dockerfilePath: "/src/qots/Dockerfile", stage: "runtime", args: {}, secrets: {}, buildOnly: false },
    args: { GO_VERSION: { parts: ["1.23"], secret: false }, FROM_ENV: null },
    secrets: { SECRET_ASENV: { type: "env", value: { parts: [{ kind: "parameter", parameter: "secret", secret: true, filters: [] }], secret: true } } },
  });
  const script = buildScript(s, "reg.example/aspire-arm/dev/api:t1", "reg.example");
  assert.match(script, /docker buildx build --platform linux\/arm64 -f '\/src\/qots\/Dockerfile' -t 'reg\.example\/aspire-arm\/dev\/api:t1' --push --target 'runtime' --build-arg 'GO_VERSION=1\.23' --build-arg 'FROM_ENV' --secret 'id=SECRET_ASENV,env=BUILD_SECRET_SECRET_ASENV' '\/src\/qots'/);
});

test("the tag is stable for unchanged sources, ignores build output, and changes with a source edit", () => {
  const dir = sourceTree();
  const s = service({ kind: "project", projectPath: path.join(dir, "Api/Api.csproj"), repository: "api" });
  const first = sourceTag(s);
  assert.equal(sourceTag(s), first);
  fs.writeFileSync(path.join(dir, "Api/obj/project.assets.json"), "{}");
  assert.equal(sourceTag(s), first, "bin/ and obj/ do not count");
  fs.writeFileSync(path.join(dir, "Api/Program.cs"), "app.Run(); // changed");
  assert.notEqual(sourceTag(s), first);
  fs.rmSync(dir, { recursive: true, force: true });
});
