import { describe, expect, it } from 'vitest';
import { SUPPORTED_CODE_TYPES } from '@paas/core';
import { builders, planBuild } from '../src/index.js';
import { codeService, treeWith } from './helpers/code-service.js';

// Only the certificates Debian's bundle lacks: one file each (kept by any later update-ca-certificates) and appended to the bundle.
const CA_AWK = '/-----BEGIN CERTIFICATE-----/ { block = ""; key = "" } { block = block $0 "\\n" }'
  + ' !/-----(BEGIN|END) CERTIFICATE-----/ { line = $0; gsub(/[ \\t\\r]/, "", line); key = key line }'
  + ' /-----END CERTIFICATE-----/ { if (FILENAME == ARGV[1]) seen[key] = 1; else if (!(key in seen)) { seen[key] = 1;'
  + ' f = "/usr/local/share/ca-certificates/paas/" ++n ".crt"; printf "%s", block > f; close(f); printf "%s", block } }';

describe('planBuild: what every type shares', () => {
  it('has a builder for every supported code type, by lookup', () => {
    expect(Object.keys(builders).sort()).toEqual([...SUPPORTED_CODE_TYPES].sort());
  });

  it('trusts the operator CA before anything is fetched', () => {
    const plan = planBuild(codeService({ type: 'static' }), { app: 'site', files: treeWith(), caFile: true });
    expect(plan.dockerfile.split('\n').slice(1, 5).join('\n')).toBe(`FROM paas/stack:bookworm
COPY ca/build-ca.crt /usr/local/share/paas/build-ca.pem
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/paas/build-ca.pem PIP_CERT=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
RUN apt-get update -qq && apt-get install -y -q --no-install-recommends nginx-light ca-certificates`
      + ' && mkdir -p /usr/local/share/ca-certificates/paas'
      + ` && awk '${CA_AWK}' /etc/ssl/certs/ca-certificates.crt /usr/local/share/paas/build-ca.pem >> /etc/ssl/certs/ca-certificates.crt`
      + ' && find / -xdev -type f -perm /6000 -exec chmod ug-s {} + && rm -rf /var/lib/apt/lists/*');
    // Not update-ca-certificates: its rehash warns once a local certificate is added.
    expect(plan.dockerfile).not.toContain('update-ca-certificates');
  });

  it('labels the steps that matter, with the spec path of every package', () => {
    const service = codeService({ type: 'nodejs', name: 'www', systempackages: ['curl', 'imagemagick=8:6.9'] });
    const plan = planBuild(service, { app: 'site', files: treeWith('package.json'), caFile: false });
    const infos = Object.values(plan.steps ?? {});
    expect(infos.map((i) => `${i.kind}: ${i.title}`)).toEqual([
      'system: Installing system packages (nodejs, npm, ca-certificates, curl, imagemagick=8:6.9)',
      'system: Installing system packages (nodejs, npm, ca-certificates, curl, imagemagick=8:6.9)',
      'dependencies: Installing dependencies (package.json)',
      'dependencies: Installing dependencies (package.json)',
      'code: Adding the code',
    ]);
    expect(infos[1]?.packages).toEqual([
      { name: 'curl', path: 'www.systempackages[0]' },
      { name: 'imagemagick', path: 'www.systempackages[1]' },
    ]);
    expect(infos[0]?.packages?.[0]).toEqual({ name: 'nodejs', path: 'www.type' });
    const reqs = planBuild(codeService({ type: 'nodejs', requirements: ['left-pad@1.3.0'] }), { app: 'site', files: treeWith(), caFile: false });
    expect(Object.values(reqs.steps ?? {}).filter((i) => i.kind === 'dependencies')).toEqual([{ kind: 'dependencies', title: 'Installing dependencies' }]);
    // Every key is a line of the Dockerfile: the engine's "Step n/m : …" shows it as it is.
    for (const line of Object.keys(plan.steps ?? {})) expect(plan.dockerfile.split('\n')).toContain(line);
  });

  it('gives every app its own chain of layers after the Debian packages: the cache scope names the platform and the app', () => {
    const plan = (app: string, platform: string) =>
      planBuild(codeService({ type: 'static', systempackages: ['curl'] }), { app, files: treeWith(), caFile: false, labels: { 'paas.platform': platform } }).dockerfile.split('\n');
    const lines = plan('site', 'p1');
    const scope = lines.indexOf('LABEL "paas.cache-scope"="p1/site"');
    // Debian's packages (the same bytes for every app) come before it, the app's own steps after.
    expect(lines.slice(1, scope).map((l) => l.split(' ')[0])).toEqual(['FROM', 'RUN', 'RUN']);
    expect(lines[scope + 1]).toMatch(/^ENV HOME=/);
    expect(plan('blog', 'p1')[scope]).toBe('LABEL "paas.cache-scope"="p1/blog"');
    expect(plan('site', 'p2')[scope]).toBe('LABEL "paas.cache-scope"="p2/site"');
  });

  it('writes the labels as one LABEL line at the end, quoted', () => {
    const plan = planBuild(codeService({ type: 'python-worker', name: 'worker', process: 'python3 w.py' }), {
      app: 'jobs', files: treeWith(), caFile: false, labels: { 'paas.build': 'b1', 'paas.app': 'jobs', odd: 'a "b" c' },
    });
    expect(plan.dockerfile).toMatch(/COPY --chown=app:app code\/ \/home\/app\/code\/\nLABEL "odd"="a \\"b\\" c" "paas.app"="jobs" "paas.build"="b1"\n$/);
  });

  it('runs processes under supervisor, one script per command, as the image user', () => {
    const service = codeService({
      type: 'python-worker', name: 'worker',
      processes: { celery: 'celery -A site worker', beat: 'cd sub && celery beat %(x)s' },
    });
    const plan = planBuild(service, { app: 'jobs', files: treeWith(), caFile: false });
    expect(plan.dockerfile).toContain('install -y -q --no-install-recommends python3 supervisor &&');
    expect(plan.dockerfile).toMatch(/COPY paas\/ \/home\/app\/paas\/\nCMD \["supervisord", "-n", "-c", "\/home\/app\/paas\/supervisord.conf"\]\nCOPY --chown=app:app code\/ \/home\/app\/code\/\n$/);
    expect(plan.files['paas/processes/celery.sh']).toBe('#!/bin/sh\ncd /home/app/current\nexec celery -A site worker\n');
    // A list is left to the shell; supervisor's %-interpolation never sees the command.
    expect(plan.files['paas/processes/beat.sh']).toBe('#!/bin/sh\ncd /home/app/current\ncd sub && celery beat %(x)s\n');
    const conf = plan.files['paas/supervisord.conf'] ?? '';
    expect(conf).toContain('[program:celery]\ncommand=/bin/sh /home/app/paas/processes/celery.sh\n');
    expect(conf).toContain('stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n');
    expect(conf).not.toMatch(/^user=/m);
  });

  it('copies the code before prebuild, which may run the app\'s own scripts', () => {
    const service = codeService({ type: 'python', process: 'python3 app.py', prebuild: './bin/fetch-assets' });
    const plan = planBuild(service, { app: 'a1', files: treeWith('requirements.txt'), caFile: false });
    expect(plan.dockerfile).toContain(`WORKDIR /home/app/current
COPY --chown=app:app code/ /home/app/code/
RUN ["/bin/sh", "-c", "for f in ./bin/fetch-assets; do if [ -f \\"$f\\" ] && [ ! -x \\"$f\\" ]; then chmod u+x \\"$f\\"; fi; done\\n./bin/fetch-assets"]
USER root
COPY build/python-deps.py /usr/local/lib/paas/python-deps.py
RUN ["python3", "/usr/local/lib/paas/python-deps.py", "resolve", "-r", "requirements.txt"]
USER app
RUN ["python3", "/usr/local/lib/paas/python-deps.py", "pip", "-r", "requirements.txt"]
CMD`);
  });

  it('refuses an approot that would need quoting in the Dockerfile', () => {
    for (const approot of ['my app', 'a$HOME', "it's"]) {
      expect(() => planBuild(codeService({ type: 'static', approot }), { app: 'a1', files: treeWith(), caFile: false }))
        .toThrowError(/www\.approot: .*use letters, digits/);
    }
  });

  it('never bakes environment values into the image', () => {
    const service = codeService({ type: 'nodejs', environment: { SECRET_KEY: 's3cr3t-value', DEBUG: '1' } });
    const plan = planBuild(service, { app: 'a1', files: treeWith('index.js'), caFile: false });
    const everything = plan.dockerfile + Object.values(plan.files).join('');
    expect(everything).not.toContain('s3cr3t-value');
    expect(everything).not.toContain('SECRET_KEY');
  });

  it('refuses a system package name that could reach the shell', () => {
    for (const bad of ['-oAPT::x=y', 'foo;rm', 'Foo', 'a b']) {
      expect(() => planBuild(codeService({ type: 'static', systempackages: [bad] }), { app: 'a1', files: treeWith(), caFile: false }))
        .toThrowError(/www\.systempackages\.0: .* is not a Debian package name/);
    }
    const pinned = planBuild(codeService({ type: 'static', systempackages: ['libxml2-dev=2.9.14+dfsg-1.3'] }), { app: 'a1', files: treeWith(), caFile: false });
    expect(pinned.dockerfile).toContain('--no-install-recommends libxml2-dev=2.9.14+dfsg-1.3 &&');
  });

  it('execs a simple process so it gets SIGTERM, and leaves lists to the shell', () => {
    const cmd = (process: string) => planBuild(codeService({ type: 'static', process }), { app: 'a1', files: treeWith(), caFile: false })
      .dockerfile.split('\n').find((l) => l.startsWith('CMD'));
    expect(cmd('~/bin/serve --port $PORT')).toBe('CMD ["/bin/sh", "-c", "exec ~/bin/serve --port $PORT"]');
    expect(cmd('./migrate; ./serve')).toBe('CMD ["/bin/sh", "-c", "./migrate; ./serve"]');
    expect(cmd('FOO=1 ./serve')).toBe('CMD ["/bin/sh", "-c", "FOO=1 ./serve"]');
    expect(cmd('exec ./serve')).toBe('CMD ["/bin/sh", "-c", "exec ./serve"]');
  });

  it('puts the code COPY after every install step, for every type', () => {
    const cases = [
      codeService({ type: 'python', requirements: ['x'] }),
      codeService({ type: 'python-worker', process: 'w', requirements: ['x'] }),
      codeService({ type: 'nodejs', requirements: ['x'] }),
      codeService({ type: 'nodejs-worker', requirements: ['x'] }),
      codeService({ type: 'static', systempackages: ['curl'] }),
      codeService({ type: 'custom', systempackages: ['curl'] }),
    ];
    for (const service of cases) {
      const files = treeWith('wsgi.py', 'requirements.txt', 'package.json');
      const lines = planBuild(service, { app: 'a1', files, caFile: true }).dockerfile.split('\n');
      const code = lines.indexOf('COPY --chown=app:app code/ /home/app/code/');
      const lastInstall = Math.max(...lines.map((l, i) => (/apt-get|pip3|npm /.test(l) ? i : -1)));
      expect(code, service.type).toBeGreaterThan(lastInstall);
    }
  });
});
