"""Reads what our quoting functions wrote the way the real consumers read it.

stdin: a JSON list of {"kind": ..., "text": ...}; stdout: a JSON list of results, one per
input, each {"ok": value} or {"error": "..."}.

kinds:
  shlex     botocore.compat.compat_shell_split(text, 'linux')  (shlex.split, POSIX mode)
  winsplit  botocore.compat.compat_shell_split(text, 'win32')  (botocore's Windows splitter)
  libpq     PQconninfoParse from the system libpq (ctypes): the options that are set
  jdbc      the query of a jdbc: URL split and decoded as java.net.URLDecoder does (unquote_plus)
  ini       botocore.configloader.raw_config_parse of the text written to a file, plus the
            profile map botocore builds from it
"""
import ctypes
import ctypes.util
import json
import os
import sys
import tempfile
import urllib.parse

try:
    import botocore.compat
    import botocore.configloader
    import botocore.exceptions
except ImportError as e:
    print(f"missing Python package: {e}", file=sys.stderr)
    sys.exit(3)


class PQconninfoOption(ctypes.Structure):
    _fields_ = [
        ("keyword", ctypes.c_char_p),
        ("envvar", ctypes.c_char_p),
        ("compiled", ctypes.c_char_p),
        ("val", ctypes.c_char_p),
        ("label", ctypes.c_char_p),
        ("dispchar", ctypes.c_char_p),
        ("dispsize", ctypes.c_int),
    ]


_libpq = None


def libpq():
    global _libpq
    if _libpq is None:
        name = ctypes.util.find_library("pq") or "libpq.so.5"
        lib = ctypes.CDLL(name)
        lib.PQconninfoParse.restype = ctypes.POINTER(PQconninfoOption)
        lib.PQconninfoParse.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
        lib.PQconninfoFree.argtypes = [ctypes.POINTER(PQconninfoOption)]
        lib.PQfreemem.argtypes = [ctypes.c_void_p]
        _libpq = lib
    return _libpq


def parse_libpq(text):
    lib = libpq()
    err = ctypes.c_char_p()
    options = lib.PQconninfoParse(text.encode("utf-8"), ctypes.byref(err))
    if not options:
        return {"error": (err.value or b"").decode("utf-8", "replace")}
    result = {}
    i = 0
    while options[i].keyword:
        if options[i].val is not None:
            result[options[i].keyword.decode()] = options[i].val.decode("utf-8")
        i += 1
    lib.PQconninfoFree(options)
    return {"ok": result}


def parse_jdbc(text):
    prefix = "jdbc:"
    if not text.startswith(prefix):
        return {"error": "not a jdbc: URL"}
    parts = urllib.parse.urlsplit(text[len(prefix):])
    query = {}
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        query[urllib.parse.unquote_plus(key)] = urllib.parse.unquote_plus(value)
    return {"ok": {"scheme": parts.scheme, "host": parts.hostname, "port": parts.port,
                   "database": urllib.parse.unquote(parts.path[1:]), "fragment": parts.fragment,
                   "query": query}}


def parse_ini(text):
    handle, path = tempfile.mkstemp()
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        try:
            raw = botocore.configloader.raw_config_parse(path)
        except botocore.exceptions.ConfigParseError as e:
            return {"error": str(e)}
        profiles = botocore.configloader.build_profile_map(raw)["profiles"]
        return {"ok": {"sections": raw, "profiles": profiles}}
    finally:
        os.unlink(path)


def one(item):
    kind, text = item["kind"], item["text"]
    try:
        if kind == "shlex":
            return {"ok": botocore.compat.compat_shell_split(text, "linux")}
        if kind == "winsplit":
            return {"ok": botocore.compat.compat_shell_split(text, "win32")}
        if kind == "libpq":
            return parse_libpq(text)
        if kind == "jdbc":
            return parse_jdbc(text)
        if kind == "ini":
            return parse_ini(text)
        return {"error": f"unknown kind {kind}"}
    except ValueError as e:
        return {"error": str(e)}


json.dump([one(item) for item in json.load(sys.stdin)], sys.stdout)
