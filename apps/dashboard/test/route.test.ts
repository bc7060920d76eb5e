import { describe, expect, it } from 'vitest';
import { appPath, parseRoute } from '../src/route.js';

describe('parseRoute', () => {
  it('reads the apps list, the platform and app pages', () => {
    expect(parseRoute('/')).toEqual({ page: 'apps' });
    expect(parseRoute('/platform')).toEqual({ page: 'platform' });
    expect(parseRoute('/apps/blog')).toEqual({ page: 'app', name: 'blog', tab: 'overview' });
    expect(parseRoute('/apps/blog/')).toEqual({ page: 'app', name: 'blog', tab: 'overview' });
    expect(parseRoute('/apps/blog/logs')).toEqual({ page: 'app', name: 'blog', tab: 'logs' });
    expect(parseRoute('/apps/blog/terminal?x=1')).toEqual({ page: 'app', name: 'blog', tab: 'terminal' });
  });

  it('decodes the app name', () => {
    expect(parseRoute('/apps/my%2Dapp/env')).toEqual({ page: 'app', name: 'my-app', tab: 'env' });
  });

  it('answers not-found for anything else', () => {
    expect(parseRoute('/apps')).toEqual({ page: 'not-found', path: '/apps' });
    expect(parseRoute('/apps/blog/nope')).toEqual({ page: 'not-found', path: '/apps/blog/nope' });
    expect(parseRoute('/apps/blog/logs/more')).toEqual({ page: 'not-found', path: '/apps/blog/logs/more' });
    expect(parseRoute('/apps/%E0%A4%A')).toEqual({ page: 'not-found', path: '/apps/%E0%A4%A' });
  });

  it('round-trips with appPath', () => {
    expect(appPath('blog')).toBe('/apps/blog');
    expect(appPath('blog', 'releases')).toBe('/apps/blog/releases');
    expect(parseRoute(appPath('blog', 'domains'))).toEqual({ page: 'app', name: 'blog', tab: 'domains' });
  });
});
