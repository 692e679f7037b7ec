// Which RUN steps of a Dockerfile build for linux/arm64 run under emulation on an x86 machine:
// those of the target stage (the build's stage, else the last), unless that stage is FROM
// --platform=$BUILDPLATFORM (or from a stage that is), where BuildKit runs them natively and
// cross-compiles (https://docs.docker.com/build/building/multi-platform/#cross-compilation).
// Earlier stages on $BUILDPLATFORM and COPY --from them cost nothing: the slow part is QEMU running
// the target stage's RUN steps. Pure text analysis, for a warning at deploy time.

export interface EmulatedSteps {
  /** The target stage's name, or its number (from 0) when it has none. */
  readonly stage: string;
  /** 1-based line numbers of its RUN instructions. */
  readonly runLines: readonly number[];
}

interface Stage {
  readonly name?: string;
  readonly platform?: string;
  /** The image or earlier stage it starts from. */
  readonly base: string;
  readonly runLines: number[];
}

/** The target stage's RUN steps that would run emulated on a non-arm64 builder, or undefined
 *  when there are none (no RUN, or the stage builds on $BUILDPLATFORM). */
export function emulatedRunSteps(dockerfile: string, target?: string): EmulatedSteps | undefined {
  const stages = parseStages(dockerfile);
  const index =
    target === undefined
      ? stages.length - 1
      : stages.findIndex((s) => s.name?.toLowerCase() === target.toLowerCase());
  const stage = stages[index];
  if (!stage || stage.runLines.length === 0 || onBuildPlatform(stages, index)) return undefined;
  return { stage: stage.name ?? String(index), runLines: stage.runLines };
}

/** Whether a stage runs on the builder's platform: its own --platform, or its base stage's. */
function onBuildPlatform(stages: readonly Stage[], index: number, depth = 0): boolean {
  const s = stages[index];
  if (s.platform !== undefined) return /^\$\{?BUILDPLATFORM\}?$/.test(s.platform);
  const base = stages.findIndex(
    (x, i) => i < index && x.name?.toLowerCase() === s.base.toLowerCase(),
  );
  return base >= 0 && depth < stages.length && onBuildPlatform(stages, base, depth + 1);
}

/** The stages: FROM lines with their flags and name, and the RUN instructions under each.
 *  Continuation lines (ending in the escape character) belong to the instruction they continue. */
function parseStages(text: string): Stage[] {
  const lines = text.split(/\r?\n/);
  const escape = /^#\s*escape\s*=\s*`/i.test(lines[0] ?? "") ? "`" : "\\";
  const stages: Stage[] = [];
  let continued = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const wasContinued = continued;
    continued = line.endsWith(escape) && !line.startsWith("#");
    if (wasContinued || line === "" || line.startsWith("#")) {
      if (wasContinued && (line === "" || line.startsWith("#"))) continued = true;
      return;
    }
    const [instruction, ...rest] = line.split(/\s+/);
    const word = instruction.toUpperCase();
    if (word === "FROM") {
      const flags = rest.filter((w) => w.startsWith("--"));
      const words = rest.filter((w) => !w.startsWith("--"));
      const platform = flags.find((f) => f.toLowerCase().startsWith("--platform="));
      stages.push({
        base: words[0] ?? "",
        ...(words[1]?.toUpperCase() === "AS" && words[2] ? { name: words[2] } : {}),
        ...(platform ? { platform: platform.slice("--platform=".length) } : {}),
        runLines: [],
      });
    } else if (word === "RUN" && stages.length) stages[stages.length - 1].runLines.push(i + 1);
  });
  return stages;
}

/** The deploy's warning for a Dockerfile build on a builder of architecture `arch` (Node's
 *  process.arch), or undefined when its target stage runs natively there. */
export function emulationWarning(
  resource: string,
  dockerfile: string,
  target: string | undefined,
  arch: string,
): string | undefined {
  if (arch === "arm64") return undefined;
  const steps = emulatedRunSteps(dockerfile, target);
  if (!steps) return undefined;
  const lines = steps.runLines.join(", ");
  return `${resource}: the Dockerfile's target stage ${steps.stage} has RUN steps (line${steps.runLines.length > 1 ? "s" : ""} ${lines}) that run under QEMU emulation on this ${arch} machine, which is slow and needs binfmt: start that stage FROM --platform=$BUILDPLATFORM and cross-compile, or build in such a stage and COPY --from it (README: Fast builds without emulation), or deploy from an arm64 machine`;
}
