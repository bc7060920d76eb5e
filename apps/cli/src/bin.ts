#!/usr/bin/env node
import { main } from './program.js';

const code = await main(process.argv, {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
});
// exitCode rather than exit(): lets stdout drain when it is a pipe.
process.exitCode = code;
