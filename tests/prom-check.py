#!/usr/bin/python3
"""prom-check.py: validate Prometheus text format (0.0.4) read on stdin.

    prom-check.py [--expect 'NAME{LABEL="VALUE",...} OP NUMBER']... < metrics.txt

The text must pass the real parser (prometheus_client.parser, Debian's
python3-prometheus-client; run this with /usr/bin/python3) and stricter
checks that parser does not make:

  - every family has one "# HELP" and one "# TYPE" line, both before its
    first sample, and its samples are one contiguous group;
  - sample names belong to their family (histograms: _bucket, _sum, _count);
  - label names are valid, label values escaped (only \\\\, \\" and \\n),
    no label twice in a sample, no series twice;
  - values are numbers; counters and histogram parts are finite and >= 0;
  - histograms: per series, le strictly increasing and ending with "+Inf",
    bucket counts cumulative, the +Inf bucket equal to _count, and _sum and
    _count present.

--expect asserts a value: the sum of the samples named NAME whose labels
include every LABEL="VALUE" given (none: all of NAME's samples; no match:
0). OP is one of >= <= == != > <. NAME must be a sample name that the text
declares (a family, or a histogram's NAME_bucket/_sum/_count). Examples:

    --expect 'standin_requests_total{service="ums",status="200"}>=3'
    --expect 'standin_phase{phase="bad-deploy"}==1'
    --expect 'standin_request_duration_seconds_count{service="fin"}>0'

Every problem is printed on stderr ("prom-check: line N: ..."); the exit
status is 0 if there were none, 1 if there were, 2 for a bad command line.
"""

import argparse
import math
import operator
import re
import sys

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
OPS = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
EXPECT_RE = re.compile(
    r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(?P<labels>.*)\})?"
    r"\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>\S+)\s*$"
)


class Problems:
    """The problems found, each with the line it was found on."""

    def __init__(self):
        self.list = []

    def add(self, lineno, msg):
        where = "line %d: " % lineno if lineno else ""
        self.list.append("prom-check: %s%s" % (where, msg))


def parse_labels(text, lineno, problems):
    """Parse 'a="x",b="y"' (the inside of the braces) into a list of
    (name, value) pairs; report bad names and escapes. None if unparsable."""
    labels = []
    i, n = 0, len(text)
    while i < n:
        m = LABEL_NAME_RE.match(text, i)
        if m is None:
            problems.add(lineno, "bad label name at %r" % text[i:])
            return None
        name = m.group(0)
        i = m.end()
        if i >= n or text[i] != "=":
            problems.add(lineno, "label %s: '=' expected" % name)
            return None
        i += 1
        if i >= n or text[i] != '"':
            problems.add(lineno, "label %s: '\"' expected" % name)
            return None
        i += 1
        value = []
        while True:
            if i >= n:
                problems.add(lineno, "label %s: unterminated value" % name)
                return None
            c = text[i]
            if c == "\\":
                if i + 1 >= n or text[i + 1] not in '\\"n':
                    problems.add(
                        lineno,
                        "label %s: bad escape %r" % (name, text[i : i + 2]),
                    )
                    return None
                value.append("\n" if text[i + 1] == "n" else text[i + 1])
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                problems.add(lineno, "label %s: raw newline in value" % name)
                return None
            else:
                value.append(c)
                i += 1
        labels.append((name, "".join(value)))
        if i < n:
            if text[i] != ",":
                problems.add(lineno, "label %s: ',' or '}' expected" % name)
                return None
            i += 1
    return labels


def parse_value(text):
    """A sample value as a float, or None."""
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    try:
        return float(text)
    except ValueError:
        return None


def split_sample(line):
    """Split 'name{labels} value [ts]' into (name, labels text or None,
    rest); None if it is not shaped like a sample."""
    m = NAME_RE.match(line)
    if m is None:
        return None
    name, i = m.group(0), m.end()
    labels = None
    if i < len(line) and line[i] == "{":
        # The closing brace is the first one outside a quoted value.
        j, quoted = i + 1, False
        while j < len(line):
            c = line[j]
            if quoted and c == "\\":
                j += 2
                continue
            if c == '"':
                quoted = not quoted
            elif c == "}" and not quoted:
                break
            j += 1
        if j >= len(line):
            return None
        labels = line[i + 1 : j]
        i = j + 1
    if i >= len(line) or line[i] != " ":
        return None
    return name, labels, line[i + 1 :]


def family_of(name, types):
    """The declared family a sample name belongs to, or None."""
    if name in types:
        return name
    for suffix, kinds in (
        ("_bucket", ("histogram",)),
        ("_sum", ("histogram", "summary")),
        ("_count", ("histogram", "summary")),
    ):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) in kinds:
            return base
    return None


def check_text(text, problems):
    """The strict checks; returns the samples as (name, labels dict,
    value, lineno)."""
    helps, types, samples = {}, {}, []
    seen_series = {}
    current = None  # the family whose samples are being read
    finished = set()  # families whose group of samples has ended
    if text and not text.endswith("\n"):
        problems.add(0, "the text does not end with a newline")
    for lineno, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                if len(parts) < 3 or not NAME_RE.fullmatch(parts[2]):
                    problems.add(lineno, "%s without a valid name" % parts[1])
                    continue
                name = parts[2]
                table = helps if parts[1] == "HELP" else types
                if name in table:
                    problems.add(lineno, "second %s for %s" % (parts[1], name))
                if name in finished or current == name:
                    problems.add(
                        lineno, "%s for %s after its samples" % (parts[1], name)
                    )
                if parts[1] == "TYPE":
                    kind = parts[3].strip() if len(parts) > 3 else ""
                    if kind not in TYPES:
                        problems.add(lineno, "%s: bad type %r" % (name, kind))
                    table[name] = kind
                else:
                    table[name] = parts[3] if len(parts) > 3 else ""
            continue
        shaped = split_sample(line)
        if shaped is None:
            problems.add(lineno, "not a sample line: %r" % line)
            continue
        name, labels_text, rest = shaped
        family = family_of(name, types)
        if family is None:
            problems.add(lineno, "%s: no # TYPE before it" % name)
            family = name
        elif family not in helps:
            problems.add(lineno, "%s: no # HELP before it" % name)
        if family != current:
            if current is not None:
                finished.add(current)
            if family in finished:
                problems.add(
                    lineno, "%s: its samples are not one group" % family
                )
            current = family
        labels = []
        if labels_text is not None:
            labels = parse_labels(labels_text, lineno, problems)
            if labels is None:
                continue
        names = [k for k, _ in labels]
        if len(set(names)) != len(names):
            problems.add(lineno, "%s: a label appears twice" % name)
        fields = rest.split(" ")
        if len(fields) not in (1, 2):
            problems.add(lineno, "%s: value expected, got %r" % (name, rest))
            continue
        value = parse_value(fields[0])
        if value is None:
            problems.add(lineno, "%s: bad value %r" % (name, fields[0]))
            continue
        kind = types.get(family)
        # A histogram's _sum may be negative (negative observations).
        signed = kind == "histogram" and name == family + "_sum"
        if kind in ("counter", "histogram") and not (
            math.isfinite(value) and (signed or value >= 0)
        ):
            problems.add(lineno, "%s: bad %s value %r" % (name, kind, fields[0]))
        key = (name, tuple(sorted(labels)))
        if key in seen_series:
            problems.add(
                lineno,
                "duplicate series %s (first on line %d)"
                % (render(name, dict(labels)), seen_series[key]),
            )
        seen_series[key] = lineno
        samples.append((name, dict(labels), value, lineno))
    for name in types:
        if name not in helps:
            problems.add(0, "%s has a # TYPE but no # HELP" % name)
    for name in helps:
        if name not in types:
            problems.add(0, "%s has a # HELP but no # TYPE" % name)
    check_histograms(types, samples, problems)
    return samples, types


def render(name, labels):
    """name{a="x",...} for messages."""
    if not labels:
        return name
    return "%s{%s}" % (
        name,
        ",".join('%s="%s"' % (k, v) for k, v in sorted(labels.items())),
    )


def check_histograms(types, samples, problems):
    """Buckets cumulative, le increasing up to +Inf, +Inf == _count."""
    for family, kind in types.items():
        if kind != "histogram":
            continue
        series = {}
        for name, labels, value, lineno in samples:
            if family_of(name, types) != family:
                continue
            rest = {k: v for k, v in labels.items() if k != "le"}
            key = tuple(sorted(rest.items()))
            s = series.setdefault(
                key,
                {"buckets": [], "sum": None, "count": None, "line": lineno},
            )
            if name == family + "_bucket":
                if "le" not in labels:
                    problems.add(lineno, "%s without le" % name)
                    continue
                le = parse_value(labels["le"])
                if le is None or math.isnan(le):
                    problems.add(lineno, "%s: bad le %r" % (name, labels["le"]))
                    continue
                s["buckets"].append((le, value, lineno, labels["le"]))
            elif name == family + "_sum":
                s["sum"] = value
            elif name == family + "_count":
                s["count"] = value
            else:
                problems.add(lineno, "%s: not a histogram sample name" % name)
        for key, s in series.items():
            what = render(family, dict(key))
            b = s["buckets"]
            if not b:
                problems.add(s["line"], "%s: no buckets" % what)
                continue
            for (le0, v0, _, _), (le1, v1, line1, text1) in zip(b, b[1:]):
                if le1 <= le0:
                    problems.add(line1, "%s: le not increasing" % what)
                if v1 < v0:
                    problems.add(
                        line1,
                        "%s: buckets not cumulative (le=%s: %g < %g)"
                        % (what, text1, v1, v0),
                    )
            if b[-1][0] != math.inf:
                problems.add(b[-1][2], "%s: the last bucket is not +Inf" % what)
            if s["count"] is None:
                problems.add(s["line"], "%s: no _count" % what)
            elif b[-1][0] == math.inf and b[-1][1] != s["count"]:
                problems.add(
                    b[-1][2],
                    "%s: +Inf bucket %g != _count %g"
                    % (what, b[-1][1], s["count"]),
                )
            if s["sum"] is None:
                problems.add(s["line"], "%s: no _sum" % what)


def check_parser(text, problems):
    """What the real parser (prometheus_client) says."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError as e:
        problems.add(
            0,
            "cannot import prometheus_client (%s): install "
            "python3-prometheus-client and run with /usr/bin/python3" % e,
        )
        return
    try:
        for family in text_string_to_metric_families(text):
            for _ in family.samples:
                pass
    except Exception as e:  # the parser raises ValueError and others
        problems.add(0, "prometheus_client parser: %s: %s" % (type(e).__name__, e))


def parse_expect(arg):
    """An --expect argument as (name, labels dict, op, number)."""
    m = EXPECT_RE.match(arg)
    if m is None:
        raise ValueError("not NAME{LABELS} OP NUMBER")
    labels = {}
    if m.group("labels"):
        p = Problems()
        parsed = parse_labels(m.group("labels").strip(), 0, p)
        if parsed is None:
            raise ValueError("; ".join(p.list))
        labels = dict(parsed)
    value = parse_value(m.group("value"))
    if value is None:
        raise ValueError("bad number %r" % m.group("value"))
    return m.group("name"), labels, m.group("op"), value


def check_expect(expect, samples, types, problems):
    """One --expect against the samples."""
    name, labels, op, want = expect
    if family_of(name, types) is None:
        problems.add(0, "--expect %s: no such metric in the text" % name)
        return
    got = sum(
        value
        for n, l, value, _ in samples
        if n == name and all(l.get(k) == v for k, v in labels.items())
    )
    if not OPS[op](got, want):
        problems.add(
            0,
            "--expect %s %s %g: got %g" % (render(name, labels), op, want, got),
        )


def main():
    ap = argparse.ArgumentParser(
        description="Validate Prometheus text format on stdin."
    )
    ap.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="'NAME{LABEL=\"V\",...}OP N'",
        help="assert the sum of matching samples (OP: >= <= == != > <)",
    )
    ap.add_argument(
        "-v", "--verbose", action="store_true", help="say what passed"
    )
    args = ap.parse_args()
    expects = []
    for e in args.expect:
        try:
            expects.append(parse_expect(e))
        except ValueError as err:
            ap.error("--expect %r: %s" % (e, err))
    text = sys.stdin.read()
    problems = Problems()
    if text.strip() == "":
        problems.add(0, "no input")
    check_parser(text, problems)
    samples, types = check_text(text, problems)
    for e in expects:
        check_expect(e, samples, types, problems)
    for p in problems.list:
        print(p, file=sys.stderr)
    if problems.list:
        return 1
    if args.verbose:
        print(
            "prom-check: ok: %d families, %d samples, %d expectations"
            % (len(types), len(samples), len(expects))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
