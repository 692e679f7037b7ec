// Docker Compose's interpolation of `$` in a compose file, as compose-go's template package applies
// it to every string: `$$` is a literal `$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
// `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}` and `${VAR+alt}` are substituted, and any other
// `$` is an invalid template. Tests apply it to rendered compose files to see what a container
// really gets, since no compose runs here.

export function composeInterpolate(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|([\s\S]?))/g,
    (whole, dollar, braced, bare, other) => {
      if (dollar) return "$";
      if (bare !== undefined) return env[bare] ?? "";
      if (braced !== undefined) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([\s\S]*))?$/.exec(braced);
        if (!m)
          throw new Error(
            `invalid compose template ${JSON.stringify(whole)} in ${JSON.stringify(text)}`,
          );
        const [, name, colon, op, word] = m;
        const set = Object.hasOwn(env, name) && (colon ? env[name] !== "" : true);
        if (op === undefined) return env[name] ?? "";
        if (op === "-") return set ? env[name] : composeInterpolate(word, env);
        if (op === "+") return set ? composeInterpolate(word, env) : "";
        if (!set) throw new Error(`required variable ${name} is missing: ${word}`);
        return env[name];
      }
      throw new Error(
        `invalid compose template ${JSON.stringify(whole + (other ?? ""))} in ${JSON.stringify(text)}`,
      );
    },
  );
}

/** Every string of a parsed compose document, interpolated as compose would, keys included. */
export function interpolateDocument(node: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof node === "string") return composeInterpolate(node, env);
  if (Array.isArray(node)) return node.map((x) => interpolateDocument(x, env));
  if (node !== null && typeof node === "object")
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        composeInterpolate(k, env),
        interpolateDocument(v, env),
      ]),
    );
  return node;
}
