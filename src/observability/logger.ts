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

/** Query parameters that carry a credential (the Alertmanager webhook accepts `?token=`). */
const SECRET_QUERY_PARAMETER = /^(token|access_token|api_key|apikey|password|secret)$/i;

/** A request URL fit for logs and error bodies: the values of credential parameters are replaced. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query < 0) return url;
  const pairs = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      let decoded: string;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        decoded = name;
      }
      return equals >= 0 && SECRET_QUERY_PARAMETER.test(decoded.trim()) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${pairs.join('&')}`;
}

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
