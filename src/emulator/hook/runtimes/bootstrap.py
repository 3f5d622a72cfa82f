"""fleetsim's Python runtime for a pre-provisioning hook: one Lambda-style execution environment.

Started by src/emulator/hook/runtimes/launch.ts as `python3 -u bootstrap.py` (with
FLEETSIM_HOOK_CHECK=1 it only loads the handler and exits). It imports the
handler module once (module state then lives as long as this process, as in a warm Lambda
environment), says it is ready, then serves one invocation at a time:

  stdin   one JSON line per invocation: {"requestId", "deadlineMs", "event"}
  stdout  whatever the handler prints (stdout and stderr share the pipe, in order), and our own
          frames: NUL, the frame tag from FLEETSIM_FRAME, a JSON object, newline.

Frames: {"type": "ready"} | {"type": "initError", ...} | {"type": "result", "payload"} |
{"type": "error", "errorType", "errorMessage", "stackTrace"}. The handler string is
FLEETSIM_HOOK_HANDLER ("module.function"); LAMBDA_TASK_ROOT is the folder of the module.
"""
import importlib
import json
import logging
import os
import sys
import time
import traceback

try:
    import resource
except ImportError:  # not on every platform
    resource = None

# stderr onto the stdout pipe: one ordered stream, as Lambda sends both to CloudWatch Logs
os.dup2(1, 2)
sys.stderr = sys.stdout

FRAME = ("\0" + os.environ.get("FLEETSIM_FRAME", "fleetsim") + ":").encode()
OUT = sys.stdout.buffer

STATE = {"requestId": ""}


def send(obj):
    sys.stdout.flush()
    OUT.write(FRAME + json.dumps(obj, default=str).encode() + b"\n")
    OUT.flush()


def stack_of(tb):
    # the handler's frames only, formatted as Lambda's stackTrace entries
    frames = [f for f in traceback.extract_tb(tb) if f.filename != __file__]
    return traceback.format_list(frames)


def max_memory_mb():
    if resource is None:
        return None
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(kb / 1024) if sys.platform != "darwin" else int(kb / 1024 / 1024)


class LambdaLogHandler(logging.Handler):
    """The root logger's handler on Lambda: [LEVEL]<tab>time<tab>request id<tab>message."""

    def emit(self, record):
        try:
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            ms = int(record.msecs)
            line = "[%s]\t%s.%03dZ\t%s\t%s\n" % (record.levelname, ts, ms, STATE["requestId"], self.format(record))
            sys.stdout.write(line)
        except Exception:  # a logging failure must not fail the invocation
            pass


class Context:
    def __init__(self, request_id, deadline_ms):
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.invoked_function_arn = os.environ.get("FLEETSIM_FUNCTION_ARN", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def init():
    if sys.version_info < (3, 9):
        raise HandlerError("Runtime.UnsupportedVersion", "fleetsim runs Python hooks with Python 3.9 or later; %s is %s" % (sys.executable, sys.version.split()[0]))
    handler_name = os.environ["FLEETSIM_HOOK_HANDLER"]
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, task_root)
    root = logging.getLogger()
    root.addHandler(LambdaLogHandler())
    root.setLevel(logging.WARNING)
    module_name, _, function_name = handler_name.rpartition(".")
    if module_name == "" or function_name == "":
        raise HandlerError("Runtime.MalformedHandlerName", "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % handler_name)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ModuleNotFoundError as e:
        if e.name == module_name:
            raise HandlerError("Runtime.ImportModuleError", "Unable to import module '%s': No module named '%s'" % (module_name, module_name))
        raise HandlerError("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (module_name, e), sys.exc_info()[2])
    except SyntaxError as e:
        raise HandlerError("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (module_name, e), sys.exc_info()[2])
    except Exception as e:
        raise HandlerError("Runtime.ImportModuleError", "Unable to import module '%s': %s: %s" % (module_name, type(e).__name__, e), sys.exc_info()[2])
    fn = getattr(module, function_name, None)
    if not callable(fn):
        raise HandlerError("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return fn


class HandlerError(Exception):
    def __init__(self, error_type, message, tb=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.tb = tb


def main():
    try:
        handler = init()
    except HandlerError as e:
        send({"type": "initError", "errorType": e.error_type, "errorMessage": e.message, "stackTrace": stack_of(e.tb) if e.tb else []})
        sys.exit(1)
    except SystemExit as e:
        send({"type": "initError", "errorType": "Runtime.ExitError", "errorMessage": "Runtime exited during init: sys.exit(%s)" % (e.code,), "stackTrace": []})
        sys.exit(1)
    send({"type": "ready"})
    if os.environ.get("FLEETSIM_HOOK_CHECK") == "1":
        return
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        inv = json.loads(line)
        STATE["requestId"] = inv["requestId"]
        os.environ["_X_AMZN_TRACE_ID"] = "Root=1-%08x-%s" % (int(time.time()), inv["requestId"].replace("-", "")[:24])
        context = Context(inv["requestId"], inv["deadlineMs"])
        try:
            payload = handler(inv["event"], context)
            try:
                json.dumps(payload)
            except (TypeError, ValueError) as e:
                send({"type": "error", "errorType": "Runtime.MarshalError", "errorMessage": "Unable to marshal response: %s" % e, "stackTrace": [], "maxMemoryMb": max_memory_mb()})
                continue
            send({"type": "result", "payload": payload, "maxMemoryMb": max_memory_mb()})
        except Exception as e:
            send({
                "type": "error",
                "errorType": type(e).__name__,
                "errorMessage": str(e),
                "stackTrace": stack_of(sys.exc_info()[2]),
                "maxMemoryMb": max_memory_mb(),
            })


if __name__ == "__main__":
    main()
