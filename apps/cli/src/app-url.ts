import { hasWebService, PaasError, type AppDetail } from '@paas/core';

/**
 * The URL that answers for the app. The API gives every app its URL, even
 * one whose release runs only workers; such a URL would answer 404, so it is
 * refused here. Before the first push the URL is where the app will answer.
 */
export function webUrl(app: AppDetail): string {
  if (app.spec !== null && !hasWebService(app.spec)) {
    throw new PaasError('NO_WEB_SERVICE', `${app.name} has no web service (release ${app.release ?? '?'} runs only workers), so no URL answers`, {
      hint: 'add a service with an http port to paas.yml and push; paas info shows the running instances',
    });
  }
  return app.url;
}

/** What `paas info` shows on its URL line. */
export function urlLine(app: AppDetail): string {
  return app.spec !== null && !hasWebService(app.spec) ? '(none: no web service)' : app.url;
}
