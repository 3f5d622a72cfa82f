/**
 * How to start an execution environment for a hook (Python: `python3 -u bootstrap.py`; Node.js:
 * `node node-bootstrap.js`), the Lambda environment variables it gets, and the check run before
 * anything starts (`validate`, `run`, `fleetsim emulator`): start one environment with FLEETSIM_HOOK_CHECK=1,
 * which imports the handler module and exits, so a missing interpreter, module or function, a
 * syntax error or an exit at import is bad input (exit 2) with the interpreter's own message.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MEMORY_MB, handlerOf, runtimeOf, type HookRuntime, type HookSpec } from '../hook-config.js';
import type { LaunchSpec } from './environment.js';

/** The Python interpreter: FLEETSIM_PYTHON, or python3 on the PATH. */
export function pythonCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETSIM_PYTHON !== undefined && env.FLEETSIM_PYTHON !== '' ? env.FLEETSIM_PYTHON : 'python3';
}

/**
 * bootstrap.py next to this module (the build copies it into dist), else in the source tree
 * (dist/src/emulator/hook/runtimes → src/emulator/hook/runtimes).
 */
export function pythonBootstrapPath(): string {
  const here = fileURLToPath(new URL('./bootstrap.py', import.meta.url));
  if (existsSync(here)) return here;
  const inSource = fileURLToPath(new URL('../../../../../src/emulator/hook/runtimes/bootstrap.py', import.meta.url));
  return existsSync(inSource) ? inSource : here;
}

export function nodeBootstrapPath(): string {
  return fileURLToPath(new URL('./node-bootstrap.js', import.meta.url));
}

export function launchSpec(spec: HookSpec): LaunchSpec {
  const runtime = runtimeOf(spec.file) as HookRuntime;
  const cwd = path.dirname(spec.file);
  const env: NodeJS.ProcessEnv = { ...process.env, ...spec.environment };
  if (runtime === 'python') {
    return { runtime, command: pythonCommand(), args: ['-u', pythonBootstrapPath()], env: { ...env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' }, cwd };
  }
  return { runtime, command: process.execPath, args: [nodeBootstrapPath()], env, cwd };
}

export interface FunctionIdentity {
  functionName: string;
  region: string;
  accountId: string;
}

/** The variables Lambda sets in every environment, plus what our bootstrap needs. */
export function lambdaEnvironment(spec: HookSpec, id: FunctionIdentity, logStreamName: string): Record<string, string> {
  const runtime = runtimeOf(spec.file) as HookRuntime;
  const logGroup = `/aws/lambda/${id.functionName}`;
  return {
    AWS_LAMBDA_FUNCTION_NAME: id.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize ?? DEFAULT_MEMORY_MB),
    AWS_LAMBDA_LOG_GROUP_NAME: logGroup,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_REGION: id.region,
    AWS_DEFAULT_REGION: id.region,
    AWS_EXECUTION_ENV: runtime === 'python' ? 'AWS_Lambda_python3' : 'AWS_Lambda_nodejs',
    LAMBDA_TASK_ROOT: path.dirname(spec.file),
    _HANDLER: handlerOf(spec),
    FLEETSIM_HOOK_HANDLER: handlerOf(spec),
    FLEETSIM_FUNCTION_ARN: `arn:aws:lambda:${id.region}:${id.accountId}:function:${id.functionName}`,
  };
}

const FRAME_TAG = 'fleetsim-check';

/**
 * Start one environment with FLEETSIM_HOOK_CHECK=1 and read what it says. Returns undefined when the handler
 * loads, else a message naming the file, the handler and the cause (the interpreter's own text).
 */
export function checkHookSync(spec: HookSpec, timeoutMs = 20_000): string | undefined {
  const launch = launchSpec(spec);
  const handler = handlerOf(spec);
  const env = { ...launch.env, ...lambdaEnvironment(spec, { functionName: 'check', region: 'us-east-1', accountId: '000000000000' }, 'check'), FLEETSIM_FRAME: FRAME_TAG, FLEETSIM_HOOK_CHECK: '1' };
  const r = spawnSync(launch.command, launch.args, { cwd: launch.cwd, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 });
  const what = `${spec.file} (handler ${handler})`;
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return launch.runtime === 'python'
        ? `${what}: the Python interpreter "${launch.command}" was not found: install Python 3.9 or later (Debian: apt-get install python3) or set FLEETSIM_PYTHON`
        : `${what}: ${launch.command} not found`;
    }
    if (code === 'ETIMEDOUT') return `${what}: importing the handler module did not finish within ${timeoutMs / 1000} s`;
    return `${what}: could not start ${launch.command}: ${r.error.message}`;
  }
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const marker = `\0${FRAME_TAG}:`;
  const at = out.indexOf(marker);
  const before = (at < 0 ? out : out.slice(0, at)).trim();
  if (at >= 0) {
    const line = out.slice(at + marker.length).split('\n')[0] ?? '';
    let frame: { type?: string; errorType?: string; errorMessage?: string; stackTrace?: string[] } = {};
    try {
      frame = JSON.parse(line) as typeof frame;
    } catch {
      /* handled below */
    }
    if (frame.type === 'ready') return undefined;
    if (frame.type === 'initError') {
      const trace = (frame.stackTrace ?? []).join('').trim();
      return `${what}: ${frame.errorType}: ${frame.errorMessage}${trace === '' ? '' : `\n${trace}`}${before === '' ? '' : `\n${tail(before)}`}`;
    }
  }
  const how = r.signal !== null ? `was killed by ${r.signal}` : `exited with code ${r.status}`;
  return `${what}: the ${launch.runtime === 'python' ? 'Python' : 'Node.js'} runtime ${how} while importing the handler${before === '' ? '' : `:\n${tail(before)}`}`;
}

function tail(text: string, lines = 12): string {
  return text.split('\n').slice(-lines).join('\n');
}
