// The scripts that run on the VM (./vm/*.sh, *.py) are plain files in the repository, checked by
// shellcheck and tested against fakes. The renderer embeds them compacted (see compactScript):
// only what boots the VM and receives its releases is in the user data (src/render/cloud-init.ts);
// what applies a release travels in each release's bin/ (src/render/user-data.ts).
import * as fs from "node:fs";
import * as path from "node:path";

export const VM_SCRIPTS = [
  "bootstrap.sh",
  "apply.sh",
  "fetch-secrets.py",
  "exec-env.py",
  "dotnet-runtimes.py",
  "release.py",
  "apply-tools.py",
  "rollout.sh",
  "rollout-apply.sh",
  "cloud-http.py",
  "gce-agent.py",
] as const;
export type VmScript = (typeof VM_SCRIPTS)[number];

let root: string | undefined;

/** The repository root (where package.json is), from src/render or dist/src/render alike. */
function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (
      fs.existsSync(path.join(dir, "package.json")) &&
      fs.existsSync(path.join(dir, "src/render/vm"))
    )
      return (root = dir);
    if (path.dirname(dir) === dir)
      throw new Error(
        `aspire-arm: cannot find src/render/vm above ${__dirname}; reinstall the package.`,
      );
  }
}

const cache = new Map<VmScript, string>();

/** The script as it is embedded in the user data: compacted. */
export function vmScript(name: VmScript): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = compactScript(
      name,
      fs.readFileSync(path.join(packageRoot(), "src/render/vm", name), "utf8"),
    );
    cache.set(name, text);
  }
  return text;
}

/**
 * The script as it is embedded: without full-line and trailing comments (the shebang and the
 * directives of shellcheck comments stay), blank lines and indentation (Python's is reduced to one
 * space a level), and without Python's docstrings. Lines that start inside a string spanning lines
 * or after a backslash continuation are kept as they are. Bash heredocs are refused rather than
 * parsed (the scripts use printf). Throws when the scan ends inside a string, a substitution or
 * brackets: a script it may have misread is never embedded.
 */
export function compactScript(name: string, text: string): string {
  if (name.endsWith(".sh")) return compactBash(name, text);
  if (name.endsWith(".py")) return compactPython(name, text);
  throw new Error(`compactScript: ${name} is neither .sh nor .py`);
}

const isBlankOrComment = (text: string) => /^\s*(#.*)?$/.test(text);
const indentOf = (text: string) => /^[ \t]*/.exec(text)![0];

// --- bash ------------------------------------------------------------------------------------------

/** code: the script or a $(...), whose open parentheses depth counts; param: a ${...}. */
interface BashContext {
  readonly kind: "code" | "dq" | "sq" | "ansi" | "param" | "backtick";
  depth: number;
}

function compactBash(name: string, text: string): string {
  const stack: BashContext[] = [{ kind: "code", depth: 0 }];
  const out: string[] = [];
  let continued = false;
  text.split("\n").forEach((line, n) => {
    const verbatim = stack[stack.length - 1].kind !== "code" || continued;
    const scan = scanBashLine(name, n + 1, line, stack);
    continued = scan.continued;
    if (verbatim) out.push(line);
    else if (n === 0 && line.startsWith("#!")) out.push(line);
    else if (/^\s*#\s*shellcheck\s/.test(line)) out.push(line.trim().replace(/\s+#.*$/, ""));
    else if (!isBlankOrComment(line)) {
      let code = scan.comment < 0 ? line : line.slice(0, scan.comment).trimEnd();
      if (code.endsWith("\\") && scan.comment >= 0) code += " "; // an escaped space, not a continuation
      out.push(code.trimStart());
    }
  });
  if (stack.length !== 1 || continued)
    throw new Error(
      `compactScript: ${name} ends inside a string, a substitution or a continued line`,
    );
  return out.join("\n") + "\n";
}

/**
 * Scans one line, updating the context stack. continued: it ends with a backslash; comment: where
 * a comment starts in it, or -1.
 */
function scanBashLine(
  name: string,
  lineNumber: number,
  line: string,
  stack: BashContext[],
): { continued: boolean; comment: number } {
  let wordStart = true;
  for (let i = 0; i < line.length; i++) {
    const top = stack[stack.length - 1];
    const c = line[i];
    const atWordStart = wordStart;
    wordStart = false;
    if (top.kind === "sq") {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === "\\") {
      if (i === line.length - 1) return { continued: true, comment: -1 };
      i++;
      continue;
    }
    if (top.kind === "ansi") {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === "`") {
      if (top.kind === "backtick") stack.pop();
      else stack.push({ kind: "backtick", depth: 0 });
      continue;
    }
    if (top.kind === "backtick") continue;
    if (c === "$" && (line[i + 1] === "(" || line[i + 1] === "{")) {
      stack.push({ kind: line[i + 1] === "(" ? "code" : "param", depth: 0 });
      wordStart = line[i + 1] === "(";
      i++;
      continue;
    }
    if (top.kind === "dq") {
      if (c === '"') stack.pop();
      continue;
    }
    if (c === '"') {
      stack.push({ kind: "dq", depth: 0 });
      continue;
    }
    if (top.kind === "param") {
      if (c === "}") stack.pop();
      else if (c === "'" && stack[stack.length - 2].kind !== "dq")
        stack.push({ kind: "sq", depth: 0 });
      continue;
    }
    // In code: the script itself or a $(...).
    if (c === "'") stack.push({ kind: line[i - 1] === "$" ? "ansi" : "sq", depth: 0 });
    else if (c === "#" && atWordStart) return { continued: false, comment: i };
    else if (c === "<" && line.startsWith("<<", i)) {
      if (line[i + 2] !== "<")
        throw new Error(
          `compactScript: ${name}:${lineNumber}: heredocs are not supported (use printf)`,
        );
      i += 2;
      wordStart = true;
    } else if (c === ")" && top.depth === 0 && stack.length > 1) stack.pop();
    else {
      if (c === "(") top.depth++;
      if (c === ")" && top.depth > 0) top.depth--;
      wordStart = /[\s;&|()<>]/.test(c);
    }
  }
  return { continued: false, comment: -1 };
}

// --- python ----------------------------------------------------------------------------------------

interface PyLine {
  readonly text: string;
  /** Starts inside a string or after a backslash continuation: kept as it is. */
  readonly verbatim: boolean;
  /** Bracket depth at its start. */
  readonly depth: number;
  /** Where its comment starts, or -1. */
  readonly comment: number;
  /** Ends a compound statement's header (its last token is `:`, outside brackets). */
  readonly header: boolean;
  /** When its statement starts with a string literal: where that string ends. */
  readonly string?: { readonly line: number; readonly end: number };
}

function compactPython(name: string, text: string): string {
  const lines = scanPython(name, text);
  const code = (l: PyLine) => l.verbatim || !isBlankOrComment(l.text);
  /** One space a level: the same blocks, as long as every level is four spaces. */
  const indent = (l: PyLine, n: number) => {
    const width = indentOf(l.text);
    if (/\t/.test(width) || width.length % 4)
      throw new Error(
        `compactScript: ${name}:${n + 1}: indentation is not a multiple of four spaces`,
      );
    return " ".repeat(width.length / 4);
  };
  const out: string[] = [];
  let previous: PyLine | undefined;
  for (let n = 0; n < lines.length; n++) {
    const l = lines[n];
    if (n === 0 && l.text.startsWith("#!")) out.push(l.text);
    if (!code(l)) continue;
    const s = l.string;
    // A docstring, or any other string statement first in a block or the module: it does nothing.
    if (s && (!previous || previous.header) && isBlankOrComment(lines[s.line].text.slice(s.end))) {
      const next = lines.slice(s.line + 1).find(code);
      // The block's only statement: replaced by `pass`.
      if (previous && (!next || indentOf(next.text).length < indentOf(l.text).length))
        out.push(indent(l, n) + "pass");
      previous = lines[s.line];
      n = s.line;
      continue;
    }
    const text = l.comment < 0 ? l.text : l.text.slice(0, l.comment).trimEnd();
    // Inside brackets, indentation means nothing.
    out.push(
      l.verbatim ? l.text : l.depth > 0 ? text.trimStart() : indent(l, n) + text.trimStart(),
    );
    previous = l;
  }
  return out.join("\n") + "\n";
}

/** Line by line: strings (with their escapes), comments, bracket depth and continuations. */
function scanPython(name: string, text: string): PyLine[] {
  const out: PyLine[] = [];
  let quote: string | undefined; // of the string the scan is in
  let owner = -1; // the line whose statement that string starts, if it does
  const ends = new Map<number, { line: number; end: number }>();
  let depth = 0;
  let continued = false;
  text.split("\n").forEach((line, n) => {
    const verbatim = quote !== undefined || continued;
    const startDepth = depth;
    const opening = verbatim || depth > 0 ? null : /^(\s*[rRuU]?)["']/.exec(line);
    continued = false;
    let last = "";
    let comment = -1;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote !== undefined) {
        if (c === "\\") i++;
        else if (line.startsWith(quote, i)) {
          if (owner >= 0) ends.set(owner, { line: n, end: i + quote.length });
          i += quote.length - 1;
          quote = undefined;
          last = c;
        }
        continue;
      }
      if (c === "#") {
        comment = i;
        break;
      }
      if (c === "\\" && i === line.length - 1) continued = true;
      else if (c === '"' || c === "'") {
        quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
        owner = opening && i === opening[1].length ? n : -1;
        i += quote.length - 1;
      } else if ("([{".includes(c)) depth++;
      else if (")]}".includes(c)) depth--;
      if (!/\s/.test(c)) last = c;
    }
    if (quote?.length === 1 && !line.endsWith("\\"))
      throw new Error(`compactScript: ${name}:${n + 1}: unterminated string`);
    out.push({
      text: line,
      verbatim,
      depth: startDepth,
      comment,
      header: quote === undefined && !continued && depth === 0 && last === ":",
    });
  });
  if (quote !== undefined || depth !== 0 || continued)
    throw new Error(`compactScript: ${name} ends inside a string, brackets or a continued line`);
  return out.map((l, n) => ({ ...l, string: ends.get(n) }));
}
