#!/usr/bin/env node
import { main } from './program.js';
import { StreamSink } from './stream-sink.js';

const code = await main(process.argv, {
  // A reader that goes away (`paas apps | head -1`) is not an error.
  stdout: new StreamSink(process.stdout),
  stderr: new StreamSink(process.stderr),
  stdin: process.stdin,
  cwd: process.cwd(),
});
// exitCode rather than exit(): lets stdout drain when it is a pipe.
process.exitCode = code;
