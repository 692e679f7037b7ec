// The RUN steps that QEMU would run when an x86 machine builds a Dockerfile for linux/arm64.
import { test } from "node:test";
import assert from "node:assert/strict";
import { emulatedRunSteps, emulationWarning } from "../../src/plan/dockerfile-stages";

test("a single stage with RUN steps: every RUN runs emulated", () => {
  const df = [
    "FROM node:22",
    "WORKDIR /app",
    "COPY . .",
    "RUN npm ci \\",
    "  && npm run build",
    "RUN npm prune",
    'CMD ["node", "main.js"]',
  ].join("\n");
  assert.deepEqual(emulatedRunSteps(df), { stage: "0", runLines: [4, 6] });
});

test("the $BUILDPLATFORM pattern: build natively, copy into a final stage without RUN", () => {
  const df = [
    "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:9.0 AS build",
    "ARG TARGETARCH",
    "RUN dotnet publish -a $TARGETARCH -o /out",
    "FROM mcr.microsoft.com/dotnet/aspnet:9.0 AS final",
    "COPY --from=build /out /app",
  ].join("\n");
  assert.equal(emulatedRunSteps(df), undefined);
  // The build stage as the target runs natively too.
  assert.equal(emulatedRunSteps(df, "build"), undefined);
});

test("the final stage's RUN steps are what counts, by the build's target or the last stage", () => {
  const df = [
    "# syntax=docker/dockerfile:1",
    "FROM --platform=${BUILDPLATFORM} golang:1.23 AS build",
    "RUN go build -o /app .",
    "",
    "from alpine:3.20 as Runtime",
    "run apk add --no-cache ca-certificates",
    "COPY --from=build /app /app",
    "FROM runtime AS debug",
    "RUN apk add curl",
  ].join("\n");
  assert.deepEqual(emulatedRunSteps(df), { stage: "debug", runLines: [9] });
  assert.deepEqual(emulatedRunSteps(df, "runtime"), { stage: "Runtime", runLines: [6] });
  assert.equal(emulatedRunSteps(df, "build"), undefined);
});

test("a stage from a $BUILDPLATFORM stage builds natively; an explicit other platform does not", () => {
  const df = [
    "FROM --platform=$BUILDPLATFORM node:22 AS base",
    "FROM base AS final",
    "RUN npm ci",
  ].join("\n");
  assert.equal(emulatedRunSteps(df), undefined);
  const pinned = ["FROM --platform=linux/arm64 node:22", "RUN npm ci"].join("\n");
  assert.deepEqual(emulatedRunSteps(pinned), { stage: "0", runLines: [2] });
});

test("continuation lines and comments are not instructions; no RUN, no warning", () => {
  const df = [
    "FROM nginx:1.27",
    "COPY site /usr/share/nginx/html \\",
    "  # RUN nothing",
    "  /extra",
    "EXPOSE 80",
  ].join("\n");
  assert.equal(emulatedRunSteps(df), undefined);
  const backtick = [
    "# escape=`",
    "FROM mcr.microsoft.com/windows/servercore",
    "COPY a `",
    "RUN b",
    "RUN c",
  ].join("\r\n");
  assert.deepEqual(emulatedRunSteps(backtick), { stage: "0", runLines: [5] });
  assert.equal(emulatedRunSteps(""), undefined);
  assert.equal(emulatedRunSteps("FROM a AS x\nRUN y", "missing"), undefined);
});

test("the warning: only on a builder that is not arm64, naming the resource, the stage and the lines", () => {
  const df = "FROM node:22 AS web\nCOPY . .\nRUN npm ci\nRUN npm run build\n";
  assert.equal(emulationWarning("web", df, undefined, "arm64"), undefined);
  assert.equal(
    emulationWarning("web", df, undefined, "x64"),
    "web: the Dockerfile's target stage web has RUN steps (lines 3, 4) that run under QEMU emulation on this x64 machine, which is slow and needs binfmt: start that stage FROM --platform=$BUILDPLATFORM and cross-compile, or build in such a stage and COPY --from it (README: Fast builds without emulation), or deploy from an arm64 machine",
  );
  assert.equal(
    emulationWarning("web", "FROM --platform=$BUILDPLATFORM node:22\nRUN npm ci", undefined, "x64"),
    undefined,
  );
});

test("a build's target stage after unnamed stages, and a stage named like a later one: FROM names only earlier stages", () => {
  const df = [
    "FROM alpine:3.20",
    "RUN echo unnamed",
    "FROM builder AS final",
    "RUN make",
    "FROM --platform=$BUILDPLATFORM golang:1.23 AS builder",
  ].join("\n");
  // `builder` in line 3 is an image: the stage of that name comes later, so it does not count.
  assert.deepEqual(emulatedRunSteps(df, "final"), { stage: "final", runLines: [4] });
  assert.deepEqual(emulatedRunSteps(df, "FINAL"), { stage: "final", runLines: [4] });
});

test("only the variable itself is the builder's platform: $BUILDPLATFORM_OS or linux/$BUILDPLATFORM is not", () => {
  for (const platform of ["$BUILDPLATFORM_OS", "${BUILDPLATFORM}x", "linux/$BUILDPLATFORM"])
    assert.deepEqual(
      emulatedRunSteps(`FROM --platform=${platform} node:22\nRUN npm ci`),
      { stage: "0", runLines: [2] },
      platform,
    );
  assert.equal(emulatedRunSteps("FROM --platform=${BUILDPLATFORM} node:22\nRUN npm ci"), undefined);
});

test("the escape directive in its spellings, and only as the first line's comment", () => {
  const body = ["FROM mcr.microsoft.com/windows/servercore", "COPY a `", "RUN b", "RUN c"];
  for (const directive of ["#escape=`", "# escape = `", "#  ESCAPE =`", "# escape=  `"])
    assert.deepEqual(
      emulatedRunSteps([directive, ...body].join("\n")),
      { stage: "0", runLines: [5] },
      directive,
    );
  // Not a comment: no directive, so the backtick continues nothing and both RUNs count (docker
  // would refuse the ARG before FROM with a space in its value; the parse only must not take it).
  assert.deepEqual(emulatedRunSteps(["ARG note=#escape=`", ...body].join("\n")), {
    stage: "0",
    runLines: [4, 5],
  });
});

test("indented instructions, extra blanks, a RUN ending in #, and comments or blank lines inside a continuation", () => {
  const df = [
    "FROM  --platform=$BUILDPLATFORM \t node:22  AS  build",
    "FROM build AS final",
    "  RUN npm ci",
    "RUN echo done #",
    "COPY entry.sh \\",
    "  # the script, then a line that only looks like an instruction",
    "  run",
    "COPY other.sh \\",
    "",
    "  run",
  ].join("\n");
  // final builds from build, on $BUILDPLATFORM: native.
  assert.equal(emulatedRunSteps(df), undefined);
  const emulated = df.replace("FROM build AS final", "FROM node:22 AS final");
  assert.deepEqual(emulatedRunSteps(emulated), { stage: "final", runLines: [3, 4] });
});

test("one RUN step is named as a line, several as lines", () => {
  assert.match(
    emulationWarning("api", "FROM node:22\nRUN npm ci\n", undefined, "x64") ?? "",
    /^api: the Dockerfile's target stage 0 has RUN steps \(line 2\) that run under QEMU/,
  );
});
