import type { PlatformInfo } from '@paas/core';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth.js';
import type { Platform } from '../platform.js';

interface DfImage {
  Labels?: Record<string, string> | null;
  Size?: number;
  SharedSize?: number;
}

/** GET /v1/platform (admins): the runtime, and the disk used by images on the engine the API builds on. */
export function registerPlatformRoutes(app: FastifyInstance, p: Platform, version: string): void {
  app.get('/v1/platform', async (request): Promise<PlatformInfo> => {
    requireAdmin(request);
    const df = (await p.docker.df()) as { Images?: DfImage[]; LayersSize?: number };
    const ours = (df.Images ?? []).filter((i) => i.Labels?.['paas.platform'] === p.platformId);
    return {
      version,
      runtime: p.config.runtime,
      platformId: p.platformId,
      images: {
        count: ours.length,
        // SharedSize is -1 when the engine did not compute it.
        bytes: ours.reduce((n, i) => n + Math.max(0, (i.Size ?? 0) - Math.max(0, i.SharedSize ?? 0)), 0),
      },
      engineImagesBytes: df.LayersSize ?? 0,
    };
  });
}
