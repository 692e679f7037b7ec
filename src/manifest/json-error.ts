// Finds where JSON text first goes wrong. Node 20's JSON.parse messages only sometimes carry a
// position ("Unexpected token ... is not valid JSON" does not), and a user needs line and column.
// A small recursive-descent scan of RFC 8259 JSON; it runs only after JSON.parse has failed. Its
// recursion is bounded: nesting deeper than `maxNesting` is itself the problem reported, so a file
// of a million `[` is an error at the first bracket too many, not a stack overflow.

export interface JsonSyntaxError {
  readonly offset: number;
  readonly reason: string;
}

export function findJsonError(text: string, maxNesting = 1000): JsonSyntaxError | undefined {
  let i = 0;
  let depth = 0;
  const fail = (reason: string): never => {
    throw { offset: i, reason } satisfies JsonSyntaxError;
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const describeHere = () => (i >= text.length ? "end of the file" : `${JSON.stringify(text[i])}`);
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`unexpected ${describeHere()}, expected a value`);
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail("a control character (such as a raw line break) inside a string");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5)))
            fail("an invalid \\u escape in a string");
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? "")) fail("an invalid escape in a string");
      }
      i++;
    }
    if (i >= text.length) fail("a string that is never closed");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${describeHere()}, expected a value`);
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{" || c === "[") {
      if (++depth > maxNesting) fail(`more than ${maxNesting} levels of nesting`);
      if (c === "{") object();
      else array();
      depth--;
      return;
    }
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    fail(`unexpected ${describeHere()}, expected a value`);
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === "}") return void i++;
    for (;;) {
      ws();
      if (text[i] !== '"')
        fail(
          `unexpected ${describeHere()}, expected a property name in double quotes${text[i] === "}" ? " (a trailing comma?)" : ""}`,
        );
      string();
      ws();
      if (text[i] !== ":")
        fail(`unexpected ${describeHere()}, expected ":" after the property name`);
      i++;
      value();
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") return void i++;
      fail(`unexpected ${describeHere()}, expected "," or "}"`);
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === "]") return void i++;
    for (;;) {
      value();
      ws();
      if (text[i] === ",") {
        i++;
        ws();
        if (text[i] === "]") fail(`unexpected "]" after a comma (a trailing comma?)`);
        continue;
      }
      if (text[i] === "]") return void i++;
      fail(`unexpected ${describeHere()}, expected "," or "]"`);
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${describeHere()} after the end of the JSON document`);
    return undefined;
  } catch (e) {
    if (typeof e === "object" && e !== null && "offset" in e) return e as JsonSyntaxError;
    throw e;
  }
}
