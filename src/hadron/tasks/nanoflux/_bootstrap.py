"""The code the sandboxed interpreter runs before the judge's code (sent as ``python -I -S -c``).

It reads the user code from stdin, installs an audit hook, runs the code, and writes one JSON result
to the file descriptor named in ``argv[1]``. The hook refuses networking, new processes, native code
(ctypes), object-graph walking (gc), changes to resource limits and tracing, writes outside the temp
dir (``argv[2]``), and reads outside it and the standard library. A refused operation raises
PermissionError and is remembered, so an attempt is reported even when the code catches the error.
The hook's settings are immutable and live only in its closure; ``_install`` returns before the user
code runs, so no frame the code can reach holds them.

Kept as a plain string: this module must not be imported by the child.
"""

BOOTSTRAP = r'''
def _install(root, readable):
    import os, sys
    blocked = ("socket.", "os.fork", "os.forkpty", "os.system", "os.exec", "os.spawn", "os.posix_spawn",
               "os.kill", "os.killpg", "os.startfile", "subprocess.", "ctypes.", "resource.setrlimit",
               "resource.prlimit", "sys.settrace", "sys.setprofile", "sys.addaudithook", "pty.",
               "webbrowser.", "urllib.", "http.", "ftplib.", "smtplib.", "poplib.", "imaplib.", "nntplib.",
               "telnetlib.")
    banned_modules = frozenset({"ctypes", "_ctypes", "_posixsubprocess", "gc"})
    write_args = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
                  "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
                  "os.chown": (0,), "os.utime": (0,), "os.setxattr": (0,), "os.removexattr": (0,),
                  "shutil.copyfile": (1,), "shutil.copymode": (1,), "shutil.copystat": (1,),
                  "shutil.copytree": (1,), "shutil.rmtree": (0,), "shutil.move": (0, 1),
                  "shutil.chown": (0,), "shutil.make_archive": (0,)}
    read_args = {"os.listdir": (0,), "os.scandir": (0,), "glob.glob": (0,), "os.chdir": (0,)}
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    inside_root = (root,)
    refused = []

    def resolve(path):
        return None if path is None or isinstance(path, int) else os.path.realpath(os.fsdecode(path))

    def inside(full, roots):
        return full is None or any(full == r or full.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    def refuse(what):
        refused.append(what)
        raise PermissionError("sandbox: " + what + " is not allowed")

    def hook(event, args):
        if event.startswith(blocked):
            refuse(event)
        elif event == "import":
            name = args[0].partition(".")[0]
            if name in banned_modules or name.startswith(("_test", "_xx")):
                refuse("import " + args[0])
        elif event == "open":
            path, mode, flags = args
            full = resolve(path)
            if isinstance(flags, int):
                writing = flags & write_flags
            else:
                writing = any(c in (mode or "") for c in "wax+")
            if not inside(full, inside_root if writing else readable):
                refuse(("write to " if writing else "read of ") + os.fsdecode(path))
            # A directory fd outside the temp dir would let dir_fd= paths escape the checks above.
            if full is not None and not inside(full, inside_root) and os.path.isdir(full):
                refuse("open of directory " + os.fsdecode(path))
        elif event in write_args:
            for i in write_args[event]:
                if i < len(args) and not inside(resolve(args[i]), inside_root):
                    refuse(event + " outside the sandbox dir")
        elif event in read_args:
            for i in read_args[event]:
                if i < len(args) and not inside(resolve(args[i]), readable):
                    refuse(event + " outside the sandbox dir")

    sys.addaudithook(hook)
    return refused


def _boot():
    import ast, errno, json, os, sys
    result_fd = int(sys.argv[1])
    root = os.path.realpath(sys.argv[2])
    del sys.argv[1:]
    code = sys.stdin.read()
    refused = _install(root, tuple(os.path.realpath(p) for p in sys.path if p) + (root,))
    out = {"value": None, "error_kind": None, "error": None}
    try:
        tree = ast.parse(code, "<code>")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        env = {"__name__": "__main__", "__builtins__": __builtins__}
        exec(compile(tree, "<code>", "exec"), env)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<code>", "eval"), env)
            if value is not None:
                out["value"] = repr(value)[:4000]
    except SyntaxError as exc:
        out["error_kind"], out["error"] = "syntax", "SyntaxError: %s (line %s)" % (exc.msg, exc.lineno)
    except MemoryError:
        out["error_kind"], out["error"] = "memory", "MemoryError: the memory limit was reached"
    except SystemExit as exc:
        if exc.code not in (None, 0):
            out["error_kind"], out["error"] = "exception", "SystemExit: %s" % (exc.code,)
    except BaseException as exc:
        tb = exc.__traceback__
        line = tb.tb_next.tb_lineno if tb is not None and tb.tb_next is not None else None
        try:
            text = "%s: %s" % (type(exc).__name__, exc)
        except BaseException:
            text = type(exc).__name__
        if line is not None:
            text += " (line %d)" % line
        kind = "file_size" if isinstance(exc, OSError) and exc.errno == errno.EFBIG else "exception"
        out["error_kind"], out["error"] = kind, text[:2000]
    if refused and out["error_kind"] in (None, "exception"):
        out["error_kind"] = "forbidden"
        out["error"] = out["error"] or "refused: " + str(refused[0])
    out["refused"] = [str(r)[:200] for r in list(refused)[:20]]
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os.write(result_fd, json.dumps(out).encode())
    os._exit(0)


_boot()
'''
