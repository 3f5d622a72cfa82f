/**
 * fleetsim's Node.js runtime for a pre-provisioning hook: one Lambda-style execution environment,
 * run as a child process (`node node-bootstrap.js`; FLEETSIM_HOOK_CHECK=1: load the handler and exit) by runtimes/environment.ts. Same protocol as
 * bootstrap.py: it imports the handler module once, sends a `ready` frame, then serves one JSON-line
 * invocation at a time from stdin. console.* is written as Lambda's Node.js runtime writes it
 * (`time<TAB>request id<TAB>LEVEL<TAB>message`); frames are NUL + tag + JSON + newline on stdout.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const FRAME = `\0${process.env.FLEETSIM_FRAME ?? 'fleetsim'}:`;
let requestId = '';

function send(obj: Record<string, unknown>): void {
  process.stdout.write(`${FRAME}${JSON.stringify(obj)}\n`);
}

function patchConsole(): void {
  const levels: Array<[keyof Console, string]> = [
    ['log', 'INFO'],
    ['info', 'INFO'],
    ['warn', 'WARN'],
    ['error', 'ERROR'],
    ['debug', 'DEBUG'],
    ['trace', 'TRACE'],
  ];
  for (const [name, level] of levels) {
    (console as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      process.stdout.write(`${new Date().toISOString()}\t${requestId || 'undefined'}\t${level}\t${format(...args)}\n`);
    };
  }
}

class InitError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly stackTrace: string[] = [],
  ) {
    super(message);
  }
}

function stackOf(err: unknown): string[] {
  const s = (err as Error)?.stack;
  return typeof s === 'string' ? s.split('\n').map((l) => l.trimEnd()).filter((l) => !l.includes('node-bootstrap.js')) : [];
}

async function loadHandler(): Promise<(...args: unknown[]) => unknown> {
  const handlerName = process.env.FLEETSIM_HOOK_HANDLER ?? '';
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const dot = handlerName.lastIndexOf('.');
  if (dot <= 0 || dot === handlerName.length - 1) throw new InitError('Runtime.MalformedHandlerName', `Bad handler ${handlerName}`);
  const moduleName = handlerName.slice(0, dot);
  const fnName = handlerName.slice(dot + 1);
  const base = path.resolve(root, moduleName);
  const file = [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`].find((f) => /\.(c|m)?js$/.test(f) && existsSync(f));
  if (file === undefined) throw new InitError('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    const e = err as Error;
    const type = e instanceof SyntaxError ? 'Runtime.UserCodeSyntaxError' : 'Runtime.ImportModuleError';
    throw new InitError(type, `${e.name}: ${e.message}`, stackOf(err));
  }
  const fn = mod[fnName] ?? (mod.default as Record<string, unknown> | undefined)?.[fnName];
  if (typeof fn !== 'function') throw new InitError('Runtime.HandlerNotFound', `${moduleName}.${fnName} is undefined or not exported`);
  return fn as (...args: unknown[]) => unknown;
}

function contextFor(id: string, deadlineMs: number): Record<string, unknown> {
  const env = process.env;
  return {
    awsRequestId: id,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: env.FLEETSIM_FUNCTION_ARN ?? '',
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadlineMs - Date.now())),
  };
}

function call(handler: (...args: unknown[]) => unknown, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  if (handler.length >= 3) {
    // callback style: handler(event, context, callback)
    return new Promise((resolve, reject) => {
      const done = (err: unknown, value: unknown) => (err === null || err === undefined ? resolve(value) : reject(err));
      try {
        const r = handler(event, context, done);
        if (r !== undefined && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(resolve, reject);
      } catch (err) {
        reject(err);
      }
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

function errorFrame(err: unknown): Record<string, unknown> {
  const e = err instanceof Error ? err : undefined;
  return {
    type: 'error',
    errorType: e?.name ?? 'Error',
    errorMessage: e?.message ?? String(err),
    stackTrace: stackOf(err),
    maxMemoryMb: Math.round(process.memoryUsage().rss / 1048576),
  };
}

async function main(): Promise<void> {
  patchConsole();
  let handler: (...args: unknown[]) => unknown;
  try {
    handler = await loadHandler();
  } catch (err) {
    const e = err instanceof InitError ? err : new InitError('Runtime.ImportModuleError', String((err as Error)?.message ?? err), stackOf(err));
    send({ type: 'initError', errorType: e.errorType, errorMessage: e.message, stackTrace: e.stackTrace });
    process.exitCode = 1;
    return;
  }
  send({ type: 'ready' });
  if (process.env.FLEETSIM_HOOK_CHECK === '1') return;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  // one invocation at a time: the parent never sends the next before this one answered
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const inv = JSON.parse(line) as { requestId: string; deadlineMs: number; event: unknown };
    requestId = inv.requestId;
    try {
      const payload = await call(handler, inv.event, contextFor(inv.requestId, inv.deadlineMs));
      send({ type: 'result', payload: payload ?? null, maxMemoryMb: Math.round(process.memoryUsage().rss / 1048576) });
    } catch (err) {
      send(errorFrame(err));
    }
  }
}

// an error outside the handler's promise ends the environment, as on Lambda (Runtime.ExitError next)
process.on('uncaughtException', (err) => {
  send(errorFrame(err));
  process.kill(process.pid, 'SIGKILL');
});
process.on('unhandledRejection', (err) => {
  send(errorFrame(err));
  process.kill(process.pid, 'SIGKILL');
});

void main();
