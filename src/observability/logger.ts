import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Request-scoped context carried into every log line written while handling that request. */
export interface LogContext {
  correlationId?: string;
}

export const logContext = new AsyncLocalStorage<LogContext>();

/** Keys whose values never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'vim_password',
  '*.vim_password',
  '*.*.vim_password',
  // An NFVCL topology body: {vims: [{vim_password}]}, logged as it is or under one key.
  'vims[*].vim_password',
  '*.vims[*].vim_password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'kubeconfig',
  '*.kubeconfig',
];

/** JSON logs (pino) to stdout; the correlation id of the current request is added to each line. */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'smo' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: () => {
      const context = logContext.getStore();
      return context?.correlationId ? { correlationId: context.correlationId } : {};
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
