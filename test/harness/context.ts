/** What the global setup hands to test workers (through vitest's provide/inject). */
export interface HarnessContext {
  /** `http://127.0.0.1:<port>`: the global setup's endpoint that starts servers on first use. */
  controlUrl: string;
  /** A temp dir removed at the end of the run; `tempDir()` creates dirs inside it. */
  tempRoot: string;
}

/** The two servers of one engine: configured differently, so restores cross a real disagreement. */
export interface ServerPair {
  /** Admin URLs (superuser, maintenance database). */
  source: string;
  target: string;
  /** True when both URLs point at one server given by ROWBACK_TEST_*_URL. */
  shared: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    rowbackHarness: HarnessContext;
  }
}
