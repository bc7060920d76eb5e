import type { SessionInfo } from '@paas/core';

/** GET/POST /v1/session: who is signed in, and the csrf token every change must carry. */
export type Session = SessionInfo;
