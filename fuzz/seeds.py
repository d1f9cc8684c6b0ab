#!/usr/bin/env python3
"""Regenerate the seed corpora of fuzz/corpus/<target>/seed-*: small valid
(and a few invalid) inputs for each target, taken from the unit tests and
the formats' documentation. Pack seeds for the object target come from a
store that the mlv binary writes. Usage: fuzz/seeds.py path/to/mlv
Inputs the fuzzers found (crash-*, and anything else) are left alone."""
import ast, hashlib, json, os, re, shutil, struct, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def put(target, items):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.unlink(os.path.join(d, f))
    for data in items:
        if isinstance(data, str):
            data = data.encode()
        name = "seed-" + hashlib.sha256(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def c_strings(path, pattern):
    """String literals passed to the functions matching PATTERN in a C test file."""
    out = []
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(pattern + r'\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))
        s = "".join(parts)
        try:
            out.append(ast.literal_eval('"' + s + '"').encode("utf-8", "surrogateescape"))
        except Exception:
            pass
    return out


def pack_entries(mlv):
    """Entries (header + payload) of the packs of a store holding a few files."""
    tmp = tempfile.mkdtemp()
    try:
        env = dict(os.environ, HOME=tmp)
        subprocess.run([mlv, "init"], cwd=tmp, env=env, check=True, capture_output=True)
        with open(os.path.join(tmp, "small.txt"), "w") as f:
            f.write("hello, mlv\n" * 3)
        with open(os.path.join(tmp, "rows.csv"), "w") as f:
            f.write("a,b\n" + "".join("%d,%d\n" % (i, i * i) for i in range(4000)))
        os.mkdir(os.path.join(tmp, "dir"))
        with open(os.path.join(tmp, "dir", "x"), "wb") as f:
            f.write(bytes(range(256)) * 4)
        for p in ("small.txt", "rows.csv", "dir"):
            subprocess.run([mlv, "track", p], cwd=tmp, env=env, check=True, capture_output=True)
        packdir = os.path.join(tmp, ".mlv", "objects", "pack")
        seeds = []
        for name in sorted(os.listdir(packdir)):
            data = open(os.path.join(packdir, name), "rb").read()
            body = data[16:]
            seeds.append(b"\x00" + body)          # repaired mode: whole pack
            seeds.append(b"\x01" + body)          # checked mode: whole pack
            off = 0
            while off + 48 <= len(body):          # each entry alone
                stored = struct.unpack_from("<I", body, off + 8)[0]
                seeds.append(b"\x01" + body[off:off + 48 + stored])
                off += 48 + stored
        return seeds
    finally:
        shutil.rmtree(tmp)


def registry_objects(mlv):
    """Events and version records (canonical JSON) of a model that went
    through every kind of event, as the mlv binary stores them."""
    tmp = tempfile.mkdtemp()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(HOME=tmp, MLV_TEST_NOW_MS="1767225600000")
        def run(*args):
            return subprocess.run(list(args), cwd=tmp, env=env, check=True, capture_output=True).stdout
        run("git", "init", "-q", ".")
        run("git", "config", "user.name", "Ann Lee")
        run("git", "config", "user.email", "Ann@Example.ORG")
        run("git", "commit", "-q", "--allow-empty", "-m", "init")
        run(mlv, "init")
        model = os.path.join(tmp, "model.bin")
        for i, extra in enumerate((["--metric", "auc=0.91", "--param", "lr=0.1", "--tag", "team=ds", "-m", "first"],
                                   ["--metric", "auc=nan", "--metric", "loss=-inf"], [])):
            with open(model, "w") as f:
                f.write("weights %d\n" % i)
            run(mlv, "register", "churn", "model.bin", *extra)
        os.mkdir(os.path.join(tmp, "dir"))
        with open(os.path.join(tmp, "dir", "w"), "w") as f:
            f.write("w\n")
        run(mlv, "register", "churn", "dir")
        run(mlv, "promote", "churn@1", "production")
        run(mlv, "promote", "churn@2", "production", "--gate", "metrics.loss < 0 and production.version == 1",
            "-m", "\u00e9t\u00e9 \"quoted\"")
        run(mlv, "approve", "churn@3", "staging")
        run(mlv, "promote", "churn@3", "staging")
        run(mlv, "rollback", "churn", "production")
        run(mlv, "unalias", "churn", "staging")
        run(mlv, "deprecate", "churn@2")
        hist = json.loads(run(mlv, "history", "churn", "--json"))
        seeds = []
        for ev in hist["events"]:
            seeds.append(run(mlv, "cat-object", "json", ev["id"]))
            if "record" in ev:
                seeds.append(run(mlv, "cat-object", "json", ev["record"]))
        return seeds
    finally:
        shutil.rmtree(tmp)


def main():
    mlv = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "mlv"))
    oid = "sha256:" + "ab" * 32
    ptrs = [
        '{"kind":"file","oid":"%s","size":1234}\n' % oid,
        '{"files":3,"kind":"dir","oid":"%s","size":5678}\n' % oid,
        '{"kind":"link","oid":"%s","size":9}\n' % oid,
        '{"kind":"file","oid":"%s","size":1.5}' % oid,
        '{"kind":"dir","oid":"%s","size":1}' % oid,
        '{"kind":"file","oid":"sha256:ab","size":1,"extra":[1,{"x":null}]}',
        '[1,2]', '', '{"kind":"file"', '  {"size":9007199254740992,"kind":"link","oid":"%s"}  ' % oid,
    ]
    put("pointer", ptrs)
    put("rt_pointer", [bytes([k]) + bytes(range(32)) + struct.pack("<QQ", 1 << k, 3 * k) for k in range(3)])

    def tree(entries):
        out = b""
        for mode, size, name, i in sorted(entries, key=lambda e: e[2]):
            out += b"%o %d " % (mode, size) + name + b"\0" + bytes([i]) * 32
        return out
    put("tree", [
        b"", tree([(0o100644, 10, b"a.csv", 1)]),
        tree([(0o40000, 20, b"alpha", 2), (0o120000, 4, b"link", 3), (0o100755, 7, b"run.sh", 4),
              (0o100644, 0, b"zeta", 5)]),
        tree([(0o100644, 1, b"caf\xc3\xa9", 1), (0o100644, 2, b"name with spaces", 2)]),
        b"100644 1 .git\0" + b"\1" * 32, b"100644 1 b\0" + b"\1" * 32 + b"100644 1 a\0" + b"\1" * 32,
        b"100644 1 a\0" + b"\1" * 20,
    ])

    def rt_tree_rec(mode, size, idb, name):
        return bytes([mode]) + struct.pack("<Q", size) + bytes([idb, len(name)]) + name
    put("rt_tree", [
        rt_tree_rec(0, 10, 1, b"zeta") + rt_tree_rec(3, 20, 2, b"alpha") + rt_tree_rec(2, 4, 3, b"link"),
        rt_tree_rec(0, 1, 1, b"a") + rt_tree_rec(1, 2, 2, b"a"),
        rt_tree_rec(0, 1, 1, b"..") + rt_tree_rec(4, 1, 1, b"x"),
    ])

    put("json", [
        '{"b":1,"a":[true,false,null,"x\\u00e9"],"c":{"z":0.1,"y":1e300}}',
        '{"t":"p","k":"lr","v":"0.01"}\n{"t":"m","k":"loss","v":0.5,"s":3,"ms":1700000000000}\n{"t":"run"}\n',
        '{"t":"m","k":"acc","v":"nan"}\n{"t":"m","k":"x","v":1e400,"s":1e300}\n{"t":',
        '0.1', '-0', '1e400', '"a\\ud83d\\ude00"', '[1, 2 ,3 ]  \n', '{"a":1}x', '{"a":1,"a":2}', 'inf',
        '+1.5e-3', '[[[[[[[[[[]]]]]]]]]]',
    ])

    csvs = [
        b"a,b,c\n1,2,3\n4,5,6\n", b"\xef\xbb\xbfx;y\r\n1;2\r\n", b'name,desc\n"a, b","he said ""hi""\nok"\n5" screen,x\n',
        b"a\tb\n1\t\n\n2\t3", b'a|b\n"unterminated|x\n', b"a,b\n1,2,3\n", b"x\n\xe9\n",
        b'{"a":1,"b":"x"}\n{"b":"y","a":2.5}\n\n{"a":null}\n', b'{"a":{"n":1}}\n', b'{"a":1}\n{"c":2}\n',
    ]
    put("csv", [bytes([opt]) + c for c in csvs for opt in (0x00, 0x41, 0x82, 0xe3)])

    exprs = c_strings(os.path.join(ROOT, "tests", "unit", "test_expr.c"),
                      r"(?:CHECK_TRUTH|CHECK_NUM|CHECK_STR\(format_of|format_of|eval_src|mlv_expr_parse\(&e,|syntax_at|CHECK_SYNTAX)")
    exprs += [b'metrics."val loss" < 0.3 ?? 1', b'"2024q1".metrics.auc > 0.5 and not params.x == null',
              b"params.lr == '0.01' or metrics.top-1 >= 0.9", b'a == "\\ud83d\\ude00\\n"', b"((((((1))))))"]
    exprs = sorted(set(exprs))
    put("expr", exprs)
    put("rt_expr", exprs)

    put("number", ["0.01", " 1e-3", "inf", "-INF", "nan", "NA", "1.5e308", "1e400", "-0", "0x10", "+.5", "5.",
                   "1,5", "", "1e-400", "infinity", "+infinity", "12345678901234567890", "1 "])

    # rt_registry: [type][flags][seq][time][version][from][size][prev][record][artifact] name\0alias\0who\0email\0message
    rt_reg = []
    for t in range(1, 7):
        for flags, strs in ((0x10, [b"churn", b"production", b"Ann Lee", b"Ann@Example.ORG", b""]),
                            (0x14, [b"churn", b"staging", "Zo\u00eb".encode(), b"", "\u00e9t\u00e9 \"q\"\n".encode()]),
                            (0x15, [b"m-1.x", b"eu.prod", b"x", b"\xc9mile@x", b"\x01"])):
            rt_reg.append(bytes([t, flags]) + struct.pack("<QQIIQ", t + 1, 1767225600000 + t, 3, 2, 1234) + b"\x07\x08\x09" +
                          b"\0".join(strs))
    put("rt_registry", rt_reg)

    hexid = "ab" * 32
    put("spec", [b"\x00" + s.encode() for s in (
        "data.csv", "data.csv.mlv", "bad", "sha256:" + hexid, hexid[:8], "cafe", "../x", "/etc/passwd",
        "data.csv@HEAD", "x@HEAD@{1}", "@", "a@", ".mlv/x", "sub/../data.csv")] +
        [b"\x01" + s.encode() for s in ("cafe", "../data.csv", "cafe.mlv", "./cafe@v1")])

    if os.access(mlv, os.X_OK):
        put("object", pack_entries(mlv))
        reg = registry_objects(mlv)
        put("registry", reg + [
            # gate fields, and a record whose sections hold every kind of value
            "production.metrics.auc", "metrics.val-loss", "eu.prod.params.lr", "latest.version", "123.tags.x", ".metrics.a",
            '{"metrics":{"a":1,"b":"inf","c":"x","d":null,"e":[1],"a":2},"params":{"p":true},"tags":{"t":{"u":1}}}'])
    else:
        print("seeds.py: no mlv binary at %s: object and registry seeds left as they are" % mlv, file=sys.stderr)


if __name__ == "__main__":
    main()
