// The scripts that run on the VM (./vm/*.sh, *.py) are plain files in the repository, checked by
// shellcheck and tested against fakes. The renderer embeds them compacted (see compactScript):
// EC2 limits user data to 16 KB, gzipped, for the scripts and the app config together.
import * as fs from "node:fs";
import * as path from "node:path";

export const VM_SCRIPTS = ["bootstrap.sh", "apply.sh", "fetch-secrets.py"] as const;
export type VmScript = (typeof VM_SCRIPTS)[number];

let root: string | undefined;

/** The repository root (where package.json is), from src/render or dist/src/render alike. */
function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "src/render/vm"))) return (root = dir);
    if (path.dirname(dir) === dir) throw new Error(`aspire-arm: cannot find src/render/vm above ${__dirname}; reinstall the package.`);
  }
}

const cache = new Map<VmScript, string>();

/** The script as it is embedded in the user data: compacted. */
export function vmScript(name: VmScript): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = compactScript(name, fs.readFileSync(path.join(packageRoot(), "src/render/vm", name), "utf8"));
    cache.set(name, text);
  }
  return text;
}

/**
 * The script without what only its readers need: full-line comments (the shebang and shellcheck
 * directives stay) and blank lines, and in Python the docstrings. Lines inside strings that span
 * lines, and lines continued by a backslash, are kept as they are. Bash heredocs are refused
 * rather than parsed (the scripts use printf). Throws when the scanner ends up inside an
 * unterminated string or substitution: a script it may have misread is never embedded.
 */
export function compactScript(name: string, text: string): string {
  if (name.endsWith(".sh")) return compactBash(name, text);
  if (name.endsWith(".py")) return compactPython(name, text);
  throw new Error(`compactScript: ${name} is neither .sh nor .py`);
}

// --- bash ------------------------------------------------------------------------------------------

/** code: the script or a $(...) (depth counts its open parentheses); param: ${...}. */
type BashContext = { kind: "code"; depth: number } | { kind: "dq" | "sq" | "ansi" | "param" | "backtick" };

function compactBash(name: string, text: string): string {
  const stack: BashContext[] = [{ kind: "code", depth: 0 }];
  const out: string[] = [];
  let continued = false;
  text.split("\n").forEach((line, n) => {
    const trimmed = line.trim();
    const droppable = stack[stack.length - 1].kind === "code" && !continued && (trimmed === "" || (trimmed.startsWith("#") && !/^#\s*shellcheck\s/.test(trimmed)));
    continued = scanBashLine(name, n + 1, line, stack);
    if (!droppable || (n === 0 && line.startsWith("#!"))) out.push(line);
  });
  if (stack.length !== 1 || continued) throw new Error(`compactScript: ${name} ends inside a string, substitution or continued line`);
  return out.join("\n") + "\n";
}

/** Scans one line, updating the context stack; true when it ends with a line continuation. */
function scanBashLine(name: string, lineNumber: number, line: string, stack: BashContext[]): boolean {
  for (let i = 0; i < line.length; i++) {
    const top = stack[stack.length - 1];
    const c = line[i];
    if (top.kind === "sq") {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === "\\") {
      if (i === line.length - 1) return top.kind === "code";
      i++;
      continue;
    }
    if (top.kind === "ansi") {
      if (c === "'") stack.pop();
      continue;
    }
    if (c === "`") {
      if (top.kind === "backtick") stack.pop();
      else stack.push({ kind: "backtick" });
      continue;
    }
    if (top.kind === "backtick") continue;
    if (c === "$" && line[i + 1] === "(") {
      stack.push({ kind: "code", depth: 0 });
      i++;
      continue;
    }
    if (c === "$" && line[i + 1] === "{") {
      stack.push({ kind: "param" });
      i++;
      continue;
    }
    if (top.kind === "dq") {
      if (c === '"') stack.pop();
      continue;
    }
    if (c === '"') {
      stack.push({ kind: "dq" });
      continue;
    }
    if (top.kind === "param") {
      if (c === "}") stack.pop();
      else if (c === "'" && stack[stack.length - 2].kind !== "dq") stack.push({ kind: "sq" });
      continue;
    }
    // Code: the script itself or a $(...).
    if (c === "'") stack.push({ kind: line[i - 1] === "$" ? "ansi" : "sq" });
    else if (c === "#" && (i === 0 || /[\s;&|()<>]/.test(line[i - 1]))) return false;
    else if (c === "<" && line.startsWith("<<", i)) {
      if (line[i + 2] !== "<") throw new Error(`compactScript: ${name}:${lineNumber}: heredocs are not supported (use printf)`);
      i += 2;
    } else if (c === "(") top.depth++;
    else if (c === ")" && top.depth > 0) top.depth--;
    else if (c === ")" && stack.length > 1) stack.pop();
  }
  return false;
}

// --- python ----------------------------------------------------------------------------------------

interface PyLine {
  readonly text: string;
  /** Starts inside a string or after a backslash continuation: kept verbatim. */
  readonly verbatim: boolean;
  /** Ends a compound statement's header (its last token is `:`, outside brackets). */
  readonly header: boolean;
  /** When the line's statement starts with a string literal: where that string ends. */
  readonly string?: { readonly line: number; readonly end: number };
}

const isBlankOrComment = (text: string) => /^\s*(#.*)?$/.test(text);
const indentOf = (text: string) => /^\s*/.exec(text)![0];

function compactPython(name: string, text: string): string {
  const lines = scanPython(name, text);
  const code = (l: PyLine) => l.verbatim || !isBlankOrComment(l.text);
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
      if (previous && (!next || indentOf(next.text).length < indentOf(l.text).length)) out.push(indentOf(l.text) + "pass");
      previous = lines[s.line];
      n = s.line;
      continue;
    }
    out.push(l.text);
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
    const opening = verbatim || depth > 0 ? null : /^(\s*[rRuU]?)["']/.exec(line);
    continued = false;
    let last = "";
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
      if (c === "#") break;
      if (c === "\\" && i === line.length - 1) continued = true;
      else if (c === '"' || c === "'") {
        quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
        owner = opening && i === opening[1].length ? n : -1;
        i += quote.length - 1;
      } else if ("([{".includes(c)) depth++;
      else if (")]}".includes(c)) depth--;
      if (!/\s/.test(c)) last = c;
    }
    if (quote?.length === 1 && !line.endsWith("\\")) throw new Error(`compactScript: ${name}:${n + 1}: unterminated string`);
    out.push({ text: line, verbatim, header: quote === undefined && !continued && depth === 0 && last === ":" });
  });
  if (quote !== undefined || depth !== 0 || continued) throw new Error(`compactScript: ${name} ends inside a string, brackets or continued line`);
  return out.map((l, n) => ({ ...l, string: ends.get(n) }));
}
