#!/usr/bin/env python3
"""bench/drift_ref.py: the pandas + scipy peer of `mlv drift` for bench/drift.sh.

    python3 bench/drift_ref.py REF CUR [--test NAME]
        Reads both files with pandas.read_csv and prints, as JSON on stdout,
        the statistic of every column with the tests and rules of DESIGN.md
        ("Drift: what the numbers mean"), in the shape of `mlv drift --json`
        (schema mlv.drift/1: columns, drifted_columns, drift_share, ...).
        --test NAME uses that test for every column instead of the default.

    python3 bench/drift_ref.py --compare MLV_JSON REF_JSON [--rel 1e-9] [--pabs 1e-6]
        Compares two such documents column by column: the same columns, types,
        tests, counts and verdicts, statistics equal to REL relative and
        p-values to PABS absolute. Prints one line per column that differs and
        a summary line; exit 0 when everything matches, 1 when not.

Needs the Debian packages python3-pandas, python3-scipy and python3-numpy.
"""
import json
import math
import sys

P_VALUE_TESTS = ("ks", "chisquare", "z")
TESTS = P_VALUE_TESTS + ("wasserstein", "psi", "jensenshannon", "kl_div", "hellinger")


def column_values(ref_df, cur_df, name, ref_path, cur_path):
    """(type, ref values, cur values, missing_ref, missing_cur) of one column.

    Numerical when pandas gave a numeric dtype in both files (every
    non-missing value parsed as a number), else categorical. Missing values
    (pandas' NA spellings, NaN, +-inf) are dropped.
    """
    import numpy as np
    import pandas as pd

    r, c = ref_df[name], cur_df[name]
    num = all(pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) for s in (r, c))
    if num:
        a, b = r.to_numpy(dtype=float), c.to_numpy(dtype=float)
        ka, kb = np.isfinite(a), np.isfinite(b)
        return "numerical", a[ka], b[kb], int(len(a) - ka.sum()), int(len(b) - kb.sum())
    # Categorical: compare the text as written, so re-read a side pandas typed
    # as numbers (or booleans) as strings.
    if r.dtype != object:
        r = pd.read_csv(ref_path, usecols=[name], dtype=str)[name]
    if c.dtype != object:
        c = pd.read_csv(cur_path, usecols=[name], dtype=str)[name]
    a, b = r.dropna().astype(str), c.dropna().astype(str)
    return "categorical", a, b, int(len(r) - len(a)), int(len(c) - len(b))


def n_unique(kind, a, b):
    import numpy as np

    if kind == "numerical":
        return int(len(np.unique(np.concatenate([a, b]))))
    return len(set(a.unique()) | set(b.unique()))


def default_test(kind, ref_rows, nu):
    if ref_rows <= 1000:
        if kind == "numerical" and nu > 5:
            return "ks"
        return "chisquare" if nu > 2 else "z"
    return "wasserstein" if kind == "numerical" and nu > 5 else "jensenshannon"


def binned(kind, a, b):
    """Frequencies (counts / n) of ref and cur over the same bins: Sturges
    histogram edges of ref + cur for numerical columns with more than 20
    distinct reference values, else one bin per value of ref + cur."""
    import numpy as np
    import pandas as pd

    if kind == "numerical" and len(np.unique(a)) > 20:
        edges = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
        return np.histogram(a, edges)[0] / len(a), np.histogram(b, edges)[0] / len(b)
    sa, sb = pd.Series(a).value_counts(), pd.Series(b).value_counts()
    keys = sorted(set(sa.index) | set(sb.index))
    fa = np.array([sa.get(k, 0) for k in keys], dtype=float) / len(a)
    fb = np.array([sb.get(k, 0) for k in keys], dtype=float) / len(b)
    return fa, fb


def fill_empty(f, g):
    """Empty bins get m/1e6 (m the smallest non-zero frequency of the same
    side) if m <= 1e-4, else 1e-4: Evidently's rule, each side on its own."""
    import numpy as np

    def fill(x):
        nz = x[x > 0]
        m = nz.min() if len(nz) else 1e-4
        return np.where(x == 0, m / 1e6 if m <= 1e-4 else 1e-4, x)

    return fill(f), fill(g)


def run_test(test, kind, a, b):
    """(statistic, p_value or None)."""
    import numpy as np
    from scipy import stats
    from scipy.spatial import distance

    if test == "wasserstein":
        if kind != "numerical":
            raise SystemExit("wasserstein needs a numerical column")
        return stats.wasserstein_distance(a, b) / max(float(np.std(a)), 0.001), None
    if test == "ks":
        res = stats.ks_2samp(a, b)
        return float(res.statistic), float(res.pvalue)
    if test == "jensenshannon":
        fa, fb = binned(kind, a, b)
        return float(distance.jensenshannon(fa, fb)), None
    if test == "psi":
        fa, fb = fill_empty(*binned(kind, a, b))
        return float(np.sum((fa - fb) * np.log(fa / fb))), None
    if test == "kl_div":
        fa, fb = fill_empty(*binned(kind, a, b))
        return float(stats.entropy(fa, fb)), None
    if test == "chisquare":
        sa, sb = np.unique(a, return_counts=True), np.unique(b, return_counts=True)
        keys = np.union1d(sa[0], sb[0])
        ra = dict(zip(sa[0], sa[1]))
        rb = dict(zip(sb[0], sb[1]))
        obs = np.array([rb.get(k, 0) for k in keys], dtype=float)
        exp = np.array([ra.get(k, 0) for k in keys], dtype=float) * len(b) / len(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            res = stats.chisquare(obs, exp)
        return float(res.statistic), float(res.pvalue)
    if test == "z":
        first = sorted(set(np.unique(a)) | set(np.unique(b)))[0]
        n1, n2 = len(a), len(b)
        p1, p2 = float(np.sum(a == first)) / n1, float(np.sum(b == first)) / n2
        p = (p1 * n1 + p2 * n2) / (n1 + n2)
        se = math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
        z = (p1 - p2) / se if se > 0 else 0.0
        return z, float(2 * stats.norm.sf(abs(z)))
    raise SystemExit(f"drift_ref.py: test {test!r} is not implemented here (known: {', '.join(TESTS)})")


def drift_report(ref_path, cur_path, test_all=None):
    import pandas as pd

    ref_df = pd.read_csv(ref_path)
    cur_df = pd.read_csv(cur_path)
    cols, drifted = [], 0
    for name in ref_df.columns:
        if name not in cur_df.columns:
            continue
        kind, a, b, mr, mc = column_values(ref_df, cur_df, name, ref_path, cur_path)
        test = test_all or default_test(kind, len(ref_df), n_unique(kind, a, b))
        stat, p = run_test(test, kind, a, b)
        thr = 0.05 if test in P_VALUE_TESTS else 0.1
        drift = (p < thr) if test in P_VALUE_TESTS else (stat >= thr)
        drifted += bool(drift)
        cols.append({"column": name, "type": kind, "test": test, "statistic": float(stat),
                     "p_value": p, "threshold": thr, "drift": bool(drift),
                     "n_ref": int(len(a)), "n_cur": int(len(b)),
                     "missing_ref": mr, "missing_cur": mc})
    share = drifted / len(cols) if cols else 0.0
    return {"schema": "mlv.drift/1", "columns": cols, "drifted_columns": drifted,
            "drift_share": share, "share_threshold": 0.5, "dataset_drift": share >= 0.5}


def compare(mlv_path, ref_path, rel=1e-9, pabs=1e-6):
    with open(mlv_path) as f:
        m = json.load(f)
    with open(ref_path) as f:
        r = json.load(f)
    mc = {c["column"]: c for c in m["columns"]}
    rc = {c["column"]: c for c in r["columns"]}
    bad, worst = [], 0.0
    if list(mc) != list(rc):
        bad.append(f"columns differ: mlv {list(mc)} reference {list(rc)}")
    for name in rc:
        if name not in mc:
            continue
        x, y = mc[name], rc[name]
        for k in ("type", "test", "n_ref", "n_cur", "missing_ref", "missing_cur", "drift"):
            if x[k] != y[k]:
                bad.append(f"{name}: {k} mlv={x[k]} reference={y[k]}")
        a, b = float(x["statistic"]), float(y["statistic"])
        if a != b:
            d = abs(a - b) / max(abs(a), abs(b))
            worst = max(worst, d)
            if not d <= rel:
                bad.append(f"{name}: statistic mlv={a!r} reference={b!r} (rel {d:.3g})")
        pa, pb = x.get("p_value"), y.get("p_value")
        if (pa is None) != (pb is None) or (pa is not None and not abs(pa - pb) <= pabs):
            bad.append(f"{name}: p_value mlv={pa} reference={pb}")
    for k in ("drifted_columns", "dataset_drift"):
        if m[k] != r[k]:
            bad.append(f"{k}: mlv={m[k]} reference={r[k]}")
    for line in bad:
        print("  " + line)
    verdict = "MISS" if bad else "PASS"
    print(f"{len(rc)} columns, max relative difference of the statistics {worst:.3g}, "
          f"{len(bad)} mismatches (tolerance {rel:g} relative, p-values {pabs:g} absolute) {verdict}")
    return 0 if not bad else 1


def main(argv):
    if argv and argv[0] == "--compare":
        args, opts = [], {"--rel": 1e-9, "--pabs": 1e-6}
        it = iter(argv[1:])
        for x in it:
            if x in opts:
                opts[x] = float(next(it))
            else:
                args.append(x)
        if len(args) != 2:
            raise SystemExit("usage: drift_ref.py --compare MLV_JSON REF_JSON [--rel X] [--pabs X]")
        return compare(args[0], args[1], opts["--rel"], opts["--pabs"])
    test = None
    args = []
    it = iter(argv)
    for x in it:
        if x == "--test":
            test = next(it, None)
            if test not in TESTS:
                raise SystemExit(f"unknown test {test!r} (known: {', '.join(TESTS)})")
        else:
            args.append(x)
    if len(args) != 2:
        raise SystemExit("usage: drift_ref.py REF CUR [--test NAME] | --compare MLV_JSON REF_JSON")
    json.dump(drift_report(args[0], args[1], test), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
