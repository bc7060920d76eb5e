import { CommanderError } from 'commander';
import { PaasError } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, formatError } from '../src/render-error.js';

describe('formatError', () => {
  it('prints a spec error with its hint and one line per problem', () => {
    const err = new PaasError('SPEC_INVALID', 'paas.yml is not valid', {
      hint: 'fix the listed paths',
      problems: [
        { path: 'www.ports.web', message: 'expected one of http, tcp, udp, got "https"' },
        { path: 'www.instances', message: 'expected a whole number from 0 to 64, got 100' },
      ],
    });
    expect(formatError(err, { color: false, verbose: false })).toBe(
      [
        ' !     The paas.yml (or dotcloud.yml) is not valid (2 problems):',
        '       www.ports.web: expected one of http, tcp, udp, got "https"',
        '       www.instances: expected a whole number from 0 to 64, got 100',
        '       hint: fix the listed paths',
        '',
      ].join('\n'),
    );
    expect(exitCodeFor(err)).toBe(3);
  });

  it('names the path of a single-path error', () => {
    const err = new PaasError('NAME_INVALID', 'invalid service name "WEB"', { path: 'WEB' });
    expect(formatError(err, { color: false, verbose: false })).toBe(' !     WEB: invalid service name "WEB"\n');
  });

  it('colours only the error line, and only when asked', () => {
    const err = new PaasError('APP_NOT_FOUND', 'no app blog', { hint: 'paas apps lists yours' });
    expect(formatError(err, { color: true, verbose: false })).toBe('\u001b[31m !     no app blog\u001b[39m\n       hint: paas apps lists yours\n');
  });

  it('shows the stack only with --verbose', () => {
    const err = new PaasError('DEPLOY_LOCKED', 'another push of blog is running');
    expect(formatError(err, { color: false, verbose: false })).not.toContain('at ');
    const verbose = formatError(err, { color: false, verbose: true });
    expect(verbose.split('\n')[0]).toBe(' !     another push of blog is running');
    expect(verbose).toMatch(/\n {7}PaasError: another push of blog is running\n {7}at /);
  });

  it('maps codes to the catalogue exit codes, unknown errors to 1, usage errors to 2', () => {
    expect(exitCodeFor(new PaasError('APP_NOT_FOUND', 'x'))).toBe(4);
    expect(exitCodeFor(new PaasError('DEPLOY_LOCKED', 'x'))).toBe(5);
    expect(exitCodeFor(new PaasError('BUILD_FAILED', 'x'))).toBe(6);
    expect(exitCodeFor(new PaasError('AUTH_REQUIRED', 'x'))).toBe(8);
    expect(exitCodeFor(new PaasError('API_UNREACHABLE', 'x'))).toBe(9);
    expect(exitCodeFor(new PaasError('UPLOAD_TOO_LARGE', 'x'))).toBe(10);
    expect(exitCodeFor(new PaasError('NOT_LINKED', 'x'))).toBe(2);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'))).toBe(0);
  });

  it('prints a commander usage error without its "error:" prefix, with a hint', () => {
    const err = new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'");
    expect(formatError(err, { color: false, verbose: false })).toBe(" !     unknown option '--x'\n       hint: see paas --help, or paas COMMAND --help\n");
  });
});
