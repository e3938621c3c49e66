"""The code the sandboxed interpreter runs before the submitted code (``python -I -S -c``).

It is not a security layer: the kernel does the refusing. It only reads the code from stdin, runs it
like a notebook cell (the last expression's value is reported), and writes one JSON object with the
outcome to the fd named by argv[2]. An OSError the kernel refused with (EPERM, EROFS, EFBIG, ...) is
``refused``; one saying a path or process does not exist is an ordinary ``exception``: inside the
sandbox, hidden and absent look the same. argv[1] is a JSON list of read-only library dirs to put on
``sys.path``.
"""

BOOTSTRAP = r'''
import ast, errno as _errno, json, os, sys
sys.path[:0] = json.loads(sys.argv[1])
_out = os.fdopen(int(sys.argv[2]), "w")
del sys.argv[1:]
_REFUSED = {_errno.EPERM, _errno.EACCES, _errno.EROFS, _errno.EXDEV,
            _errno.ENOSYS, _errno.EAFNOSUPPORT, _errno.EFBIG, _errno.ENOSPC, _errno.EMFILE}
def _report(**fields):
    try:
        _out.write(json.dumps(fields)); _out.flush()
    except Exception:
        pass
def _main():
    source = sys.stdin.read()
    try:
        tree = ast.parse(source, "<sandbox>")
    except (SyntaxError, ValueError) as exc:
        return _report(kind="syntax", error=f"{type(exc).__name__}: {exc}")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    scope = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(tree, "<sandbox>", "exec"), scope)
        value = None
        if last is not None:
            result = eval(compile(ast.Expression(last.value), "<sandbox>", "eval"), scope)
            value = None if result is None else repr(result)[:20000]
    except MemoryError:
        return _report(kind="memory", error="MemoryError: the memory limit was reached")
    except SystemExit as exc:
        if exc.code in (None, 0):
            return _report(kind=None, value=None)
        return _report(kind="exception", error=f"SystemExit: {exc.code}")
    except OSError as exc:
        kind = "refused" if exc.errno in _REFUSED else "exception"
        return _report(kind=kind, error=f"{type(exc).__name__}: {exc}"[:2000],
                       errno=_errno.errorcode.get(exc.errno or 0))
    except BaseException as exc:
        return _report(kind="exception", error=f"{type(exc).__name__}: {exc}"[:2000])
    _report(kind=None, value=value)
_main()
sys.stdout.flush()
'''
