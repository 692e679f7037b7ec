#!/usr/bin/env node
// Entry point of `npx aspire-arm`: runs the compiled CLI (npm ci / npm install build it through `prepare`).
"use strict";
let cli;
try {
  cli = require("../dist/src/cli/main.js");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND") {
    process.stderr.write(
      "aspire-arm: the CLI is not built yet. Run `npm install` (or `npm run build`) in the aspire-arm folder first.\n",
    );
    process.exit(2);
  }
  throw e;
}
Promise.resolve(cli.main(process.argv.slice(2))).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // Not an input error (those are handled with a message): a bug, shown with its stack.
    process.stderr.write(`aspire-arm: internal error: ${(e && e.stack) || e}\n`);
    process.exitCode = 70;
  },
);
