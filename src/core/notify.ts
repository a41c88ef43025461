import { hostname } from 'node:os';
import { redactSecrets, registerSecret } from './redact.js';

/**
 * Telling the team: each event of a run is posted to every `--notify` URL, in Slack's incoming-webhook
 * format for Slack's URLs and as a generic JSON object otherwise. A webhook that fails never fails the
 * run: it becomes a warning. Messages are built from redacted labels and redacted once more before
 * leaving, and a webhook URL (which is itself a secret) is named by its host only.
 */

export type NotifyEvent =
  | 'started'
  | 'ready'
  | 'planned'
  | 'applied'
  | 'failed'
  | 'cleaned'
  | 'drill'
  | 'mark';

export interface Notification {
  event: NotifyEvent;
  /** One line a person reads in a channel. */
  text: string;
  /** Facts for machines (counts, ids, outcome); never secrets. */
  fields: Record<string, unknown>;
}

const TIMEOUT_MS = 10_000;

export class Notifier {
  private queue: Promise<void> = Promise.resolve();

  private readonly urls: string[];

  constructor(
    urls: string[],
    private readonly common: Record<string, unknown>,
    private readonly warn: (text: string) => void,
  ) {
    for (const url of urls) registerSecret(url.replace(/^slack\+/i, ''));
    this.urls = urls;
  }

  get enabled(): boolean {
    return this.urls.length > 0;
  }

  /** Queues one notification to every URL, in order; returns at once. */
  post(notification: Notification): void {
    if (!this.enabled) return;
    const body = {
      ...this.common,
      event: notification.event,
      text: notification.text,
      ...notification.fields,
    };
    const at = new Date().toISOString();
    for (const url of this.urls) {
      this.queue = this.queue.then(() => this.send(url, notification, { ...body, at }));
    }
  }

  /** Waits until every queued notification was sent or given up on. */
  flush(): Promise<void> {
    return this.queue;
  }

  private async send(
    given: string,
    notification: Notification,
    body: Record<string, unknown>,
  ): Promise<void> {
    const url = given.replace(/^slack\+/i, '');
    const payload = isSlack(given) ? slackPayload(notification) : body;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: redactSecrets(JSON.stringify(payload)),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (!response.ok)
        this.warn(
          `! The ${notification.event} notification to ${where(url)} failed: HTTP ${response.status}; the run goes on.`,
        );
    } catch (error) {
      const why =
        error instanceof Error
          ? error.name === 'TimeoutError'
            ? `no answer within ${TIMEOUT_MS / 1000} s`
            : error.message
          : String(error);
      this.warn(
        `! The ${notification.event} notification to ${where(url)} failed: ${redactSecrets(why)}; the run goes on.`,
      );
    }
  }
}

/**
 * `--notify` URLs plus those of ROWBACK_NOTIFY (separated by spaces or commas). An empty list given on
 * purpose means none at all, ROWBACK_NOTIFY included (a drill's own restore into its scratch).
 */
export function notifyUrls(
  given: string[] | undefined,
  env: string | undefined = process.env['ROWBACK_NOTIFY'],
): string[] {
  if (given !== undefined && given.length === 0) return [];
  const fromEnv = (env ?? '').split(/[\s,]+/).filter(Boolean);
  return [...new Set([...(given ?? []), ...fromEnv])];
}

/** Facts every notification of a run carries. */
export function runFacts(fields: { id: string; operator: string; table: string }): Record<string, unknown> {
  return { tool: 'rowback', ...fields, host: hostname() };
}

/** Slack's own hooks, or any URL written `slack+https://…` (Mattermost and others take Slack's format). */
function isSlack(url: string): boolean {
  if (/^slack\+/i.test(url)) return true;
  try {
    const host = new URL(url).hostname;
    return host === 'hooks.slack.com' || host.endsWith('.slack.com');
  } catch {
    return false;
  }
}

const ICONS: Record<NotifyEvent, string> = {
  started: ':rewind:',
  ready: ':hourglass_flowing_sand:',
  planned: ':clipboard:',
  applied: ':white_check_mark:',
  failed: ':x:',
  cleaned: ':broom:',
  drill: ':fire_engine:',
  mark: ':round_pushpin:',
};

/** Slack's incoming-webhook body: the text, with mrkdwn. */
function slackPayload(notification: Notification): Record<string, unknown> {
  return { text: `${ICONS[notification.event]} ${notification.text}` };
}

/** A webhook by its host: its path usually holds the token. */
function where(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'a webhook';
  }
}
