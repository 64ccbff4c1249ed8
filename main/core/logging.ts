/**
 * Minimal leveled logging to stderr. TANDEM_LOG_LEVEL=debug|info|warn|error|silent (default info).
 * Never log secrets: credentials go to the SecretStore only, and are never part of a message or detail.
 */
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = keyof typeof LEVELS;

function threshold(): number {
  const configured = (process.env.TANDEM_LOG_LEVEL ?? 'info') as Level;
  return LEVELS[configured] ?? LEVELS.info;
}

export interface Logger {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

export function createLogger(scope: string): Logger {
  const write =
    (level: Level) =>
    (message: string, ...extra: unknown[]) => {
      if (LEVELS[level] < threshold()) return;
      console.error(`[${new Date().toISOString()}] ${level.toUpperCase()} ${scope}: ${message}`, ...extra);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
