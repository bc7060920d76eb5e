import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import type { AppInfo } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { StreamSink } from '../src/stream-sink.js';
import { sendJson, serve } from './helpers/http-server.js';
import { BIN } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

function failingStream(code: string): Writable & { written: string[] } {
  const written: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, callback) {
      written.push(chunk.toString());
      callback(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
  return Object.assign(stream, { written });
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('StreamSink', () => {
  it('treats EPIPE as the reader going away: no error, later writes dropped', async () => {
    const stream = failingStream('EPIPE');
    const sink = new StreamSink(stream);
    sink.write('first\n');
    await tick();
    expect(sink.isClosed).toBe(true);
    expect(sink.write('second\n')).toBe(false);
    expect(stream.written).toEqual(['first\n']);
  });

  it('passes isTTY through', () => {
    expect(new StreamSink(Object.assign(new Writable(), { isTTY: true })).isTTY).toBe(true);
    expect(new StreamSink(new Writable()).isTTY).toBeUndefined();
  });

  it('keeps other write errors loud', () => {
    const stream = failingStream('EIO');
    new StreamSink(stream);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow('write EIO');
  });
});

/** Runs the built paas with its stdout closed by the reader before anything is written. */
function runWithClosedStdout(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('paas piped into a reader that stops early (real process)', () => {
  it('paas --help exits 0 without a stack or an error line', async () => {
    const r = await runWithClosedStdout(['--help'], { PAAS_HOME: await tempDir() });
    expect(r).toEqual({ code: 0, stderr: '' });
  });

  it('paas apps exits 0 without a stack or an error line', async () => {
    const app = (i: number): AppInfo => ({ name: `app${i}`, owner: 'alice', createdAt: '2025-01-02T03:04:05.000Z', url: `http://app${i}.localhost:8080`, release: 'v1' });
    const { url } = await serve((_req, res) => sendJson(res, 200, Array.from({ length: 2000 }, (_, i) => app(i))));
    const r = await runWithClosedStdout(['apps'], { PAAS_HOME: await tempDir(), PAAS_API_URL: url, PAAS_TOKEN: 'good' });
    expect(r).toEqual({ code: 0, stderr: '' });
  });
});
