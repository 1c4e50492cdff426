# Title quality against titles people wrote (BENCHMARKS.md, "Titles against AMI's topic
# descriptions"). AMI's human topic segmentation gives each topic a description
# (`other_description` in original/topics/*.topic.xml, e.g. "drawing animals on the
# whiteboard"). For each theme, subtheme and segment of a workspace built on the AMI meetings,
# the human topic its units overlap most is found (a unit belongs to the topic whose interval
# covers its midpoint, the shortest one when several do), and its title is compared with that
# topic's description by the cosine of their vectors from chorus's own model
# (`cargo run --release -p chorus-embed --example embed_lines`). Printed: the mean cosine of chorus's titles and
# of two baselines on the same themes, the keyword pair ("design / downtown", the labels the
# synthesis issue started from) and the top keyword alone; then every title with its topic.
#
# Usage: python3 benches/compare/titles.py WORKSPACE [AMI_ORIGINAL] [--list]
#   WORKSPACE: `chorus ingest ../shared/data/ami && chorus embed && chorus themes` done in it
#   AMI_ORIGINAL: default ../shared/data/ami/original
# Needs polars and numpy.
import glob, gzip, os, re, subprocess, sys, tempfile

import numpy as np
import polars as pl

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..")
args = [a for a in sys.argv[1:] if not a.startswith("--")]
if not args:
    sys.exit(__doc__ or "usage: titles.py WORKSPACE [AMI_ORIGINAL] [--list]")
ws = args[0]
ami = args[1] if len(args) > 1 else os.path.join(root, "..", "shared", "data", "ami", "original")
if not os.path.isdir(os.path.join(ami, "topics")):
    sys.exit(f"no AMI topics under {ami}")

TOPIC = re.compile(r'<topic nite:id="[^"]+"(?: other_description="([^"]*)")?')
POINTER = re.compile(r'href="default-topics.xml#id\((top\.[0-9.]+)\)"')
CHILD = re.compile(r'href="([^"#]+)#id\(([^)]+)\)(?:\.\.id\(([^)]+)\))?"')
WORD = re.compile(r'nite:id="([^"]+)"[^>]*starttime="([0-9.]+)"[^>]*endtime="([0-9.]+)"')

word_cache = {}


def words(meeting_file):
    if meeting_file not in word_cache:
        path = os.path.join(ami, "words", meeting_file + ".gz")
        text = gzip.open(path, "rt", encoding="latin-1").read()
        ws_ = [(i, float(s), float(e)) for i, s, e in WORD.findall(text)]
        order = {w[0]: k for k, w in enumerate(ws_)}
        word_cache[meeting_file] = (ws_, order)
    return word_cache[meeting_file]


# meeting -> list of (start_ms, end_ms, topic key, description)
topics = {}
for f in sorted(glob.glob(os.path.join(ami, "topics", "*.topic.xml"))):
    meeting = os.path.basename(f).split(".")[0]
    n, stack, seg = 0, [], []
    for line in open(f, encoding="latin-1"):
        m = TOPIC.search(line)
        if m:
            if not stack:
                n += 1
            stack.append([m.group(1), None])
            continue
        if "</topic>" in line:
            stack.pop()
            continue
        m = POINTER.search(line)
        if m and stack and stack[-1][1] is None:
            stack[-1][1] = m.group(1)
            continue
        m = CHILD.search(line)
        if m and stack:
            # the innermost described topic names the interval; topics with a type only
            # (its name is not in this release) are left out
            desc = next((d for d, _ in reversed(stack) if d), None)
            if desc is None:
                continue
            ws_, order = words(m.group(1))
            a = order.get(m.group(2))
            b = order.get(m.group(3) or m.group(2))
            if a is None or b is None:
                continue
            span = ws_[min(a, b) : max(a, b) + 1]
            s = min(w[1] for w in span) * 1000
            e = max(w[2] for w in span) * 1000
            seg.append((s, e, f"{meeting}.{n}.{desc}", desc))
    topics[meeting.lower()] = seg


def topic_of(event, mid):
    best = None
    for s, e, key, desc in topics.get(event, ()):
        if s <= mid <= e and (best is None or e - s < best[0]):
            best = (e - s, key, desc)
    return best[1:] if best else None


def table(name):
    files = sorted(glob.glob(os.path.join(ws, "corpus", name, "*.parquet")))
    return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")


units = table("units").filter(pl.col("start_ms").is_not_null())
unit_topic = {}
for uid, ev, s, e in zip(units["unit_id"], units["event_id"], units["start_ms"], units["end_ms"]):
    t = topic_of(ev.lower(), (s + (e if e is not None else s)) / 2)
    if t:
        unit_topic[uid] = t

themes = pl.read_parquet(os.path.join(ws, "themes", "themes.parquet"))
assign = pl.read_parquet(os.path.join(ws, "themes", "assignments.parquet"))
members = {}
for col in [c for c in ("theme_id", "subtheme_id") if c in assign.columns]:
    for uid, tid in zip(assign["unit_id"], assign[col]):
        if tid is not None:
            members.setdefault(tid, []).append(uid)

rows = []  # (kind, title, keyword pair, top keyword, description, units)


def best_topic(uids):
    counts = {}
    for u in uids:
        t = unit_topic.get(u)
        if t:
            counts[t] = counts.get(t, 0) + 1
    if not counts:
        return None
    return max(sorted(counts), key=lambda t: counts[t])


for tid, label, kw in zip(themes["theme_id"], themes["label"], themes["keywords"]):
    uids = members.get(tid, [])
    t = best_topic(uids)
    if len(uids) < 5 or t is None:
        continue
    k = [x.strip() for x in (kw or "").split(";") if x.strip()]
    pair = " / ".join(k[:2]) if k else label
    rows.append(("theme" if "." not in tid else "subtheme", label, pair, k[0] if k else label, t[1], len(uids)))

seg_path = os.path.join(ws, "themes", "segments.parquet")
if os.path.exists(seg_path):
    segs = pl.read_parquet(seg_path)
    order = {u: i for i, u in enumerate(units["unit_id"])}
    ids = units["unit_id"].to_list()
    for ev, first, last, title, kw in zip(segs["event_id"], segs["first_unit"], segs["last_unit"], segs["title"], segs["keywords"]):
        if first not in order or last not in order:
            continue
        uids = ids[order[first] : order[last] + 1]
        t = best_topic(uids)
        if t is None:
            continue
        k = [x.strip() for x in (kw or "").split(";") if x.strip()]
        pair = " / ".join(k[:2]) if k else title
        rows.append(("segment", title, pair, k[0] if k else title, t[1], len(uids)))

if not rows:
    sys.exit("no theme or segment of this workspace covers AMI units with a human topic")

texts = []
for r in rows:
    texts += [r[1], r[2], r[3], r[4]]
with tempfile.TemporaryDirectory() as d:
    src, out = os.path.join(d, "t.txt"), os.path.join(d, "v.npy")
    open(src, "w").write("\n".join(t.replace("\n", " ") for t in texts) + "\n")
    subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "chorus-embed", "--example", "embed_lines", "--", src, out],
        cwd=root, check=True, stdout=subprocess.DEVNULL,
    )
    v = np.load(out)
v = v / np.linalg.norm(v, axis=1, keepdims=True)
v = v.reshape(len(rows), 4, -1)
cos = np.einsum("rkd,rd->rk", v[:, :3], v[:, 3])

print(f"workspace {ws}: {len(rows)} titles with a human topic")
print(f"{'kind':<10} {'n':>4} {'chorus title':>13} {'keyword pair':>13} {'top keyword':>12}")
for kind in ("theme", "subtheme", "segment", "all"):
    m = np.array([kind == "all" or r[0] == kind for r in rows])
    if m.sum():
        c = cos[m].mean(axis=0)
        print(f"{kind:<10} {m.sum():>4} {c[0]:>13.3f} {c[1]:>13.3f} {c[2]:>12.3f}")
if "--list" in sys.argv:
    for r, c in zip(rows, cos):
        print(f"{r[0]:<8} {c[0]:.2f} {c[1]:.2f}  {r[1]!r:<40} {r[2]!r:<34} <- {r[4]!r} ({r[5]} units)")
