#!/usr/bin/env python3
"""chorus themes vs BERTopic, side by side, on the same units and the same cached embeddings.

Usage: python3 benches/compare/compare.py [--chorus BIN] [--workspace DIR] [--shared ../shared/data]

1. ingests the 11 English Pol.is conversations of ../shared/data into a workspace and embeds
   them with `chorus embed` (all-MiniLM-L6-v2);
2. runs BERTopic 0.17 with its defaults (UMAP + HDBSCAN + c-TF-IDF) on those vectors, in a
   child process so its time and peak memory are its own;
3. runs `chorus themes` (timed, peak memory of the process) and `chorus eval --gold event`;
4. prints both: themes-stage time, NMI/ARI vs the conversation, NPMI, diversity, unassigned
   share, theme count, peak memory; and writes them as JSON next to the workspace.

Needs: pip install polars scikit-learn bertopic umap-learn hdbscan (BERTopic does not need
sentence-transformers when it is given the embeddings).
"""
import argparse, json, math, os, re, resource, struct, subprocess, sys, time
from collections import Counter
from pathlib import Path

ENGLISH = ["15-per-hour-seattle", "american-assembly.bowling-green", "bg2050-volunteers", "brexit-consensus",
           "london.youth.policing", "march-on.operation-marchin-orders", "scoop-hivemind.affordable-housing",
           "scoop-hivemind.biodiversity", "scoop-hivemind.freshwater", "scoop-hivemind.taxes", "scoop-hivemind.ubi"]


def words(text):
    return [w for w in re.findall(r"[\w'-]+", text.lower()) if w.strip("'-")]


def npmi(topics, docs):
    n = len(docs)
    scores = []
    for ws in topics:
        pair = []
        for i in range(len(ws)):
            for j in range(i + 1, len(ws)):
                ci = sum(ws[i] in d for d in docs); cj = sum(ws[j] in d for d in docs)
                cij = sum(ws[i] in d and ws[j] in d for d in docs)
                if cij == 0:
                    pair.append(-1.0)
                else:
                    pi, pj, pij = ci / n, cj / n, cij / n
                    pair.append(1.0 if pij >= 1 else math.log(pij / (pi * pj)) / -math.log(pij))
        if pair:
            scores.append(sum(pair) / len(pair))
    return sum(scores) / len(scores) if scores else 0.0


def load(ws):
    import numpy as np, polars as pl
    units = pl.read_parquet(str(Path(ws) / "corpus/units/*.parquet"))
    info = json.loads((Path(ws) / "vectors/current.json").read_text())
    raw = (Path(ws) / "vectors" / f"{info['model_id']}.bin").read_bytes()
    dim = struct.unpack("<I", raw[8:12])[0]
    rec = 16 + 4 * dim
    table = {}
    for r in range((len(raw) - 16) // rec):
        b = raw[16 + r * rec: 16 + (r + 1) * rec]
        table[b[:16].hex()] = np.frombuffer(b[16:], dtype="<f4")
    vectors = np.stack([table[h[:32]] for h in units["text_hash"].to_list()])
    return units, vectors


def bertopic_child(ws, out):
    """Runs in a child process: BERTopic on the workspace's units and vectors."""
    from bertopic import BERTopic
    units, vectors = load(ws)
    docs = units["text"].to_list()
    t = time.perf_counter()
    model = BERTopic()
    topics, _ = model.fit_transform(docs, vectors)
    secs = time.perf_counter() - t
    kw = {int(k): [w for w, _ in v][:10] for k, v in model.get_topics().items() if int(k) != -1}
    Path(out).write_text(json.dumps({"seconds": secs, "topics": [int(x) for x in topics], "keywords": kw,
                                     "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main():
    ap = argparse.ArgumentParser()
    root = Path(__file__).resolve().parents[2]
    ap.add_argument("--chorus", default=str(Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/chorus/target")) / "release/chorus"))
    ap.add_argument("--workspace", default="/tmp/chorus-compare")
    ap.add_argument("--shared", default=str(root.parent / "shared/data"))
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return bertopic_child(*a.child)
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    ws = a.workspace
    run = lambda *args: subprocess.run([a.chorus, "--workspace", ws, *args], check=True, capture_output=True, text=True)
    if not (Path(ws) / "vectors/current.json").exists():
        subprocess.run([a.chorus, "--workspace", ws, "ingest", *[str(Path(a.shared) / "polis" / c) for c in ENGLISH]], check=True, capture_output=True)
        run("embed")
    units, _ = load(ws)
    gold = units["event_id"].to_list()
    docs = [set(words(t)) for t in units["text_norm"].to_list()]

    # BERTopic in a child process
    out = Path(ws) / "bertopic.json"
    subprocess.run([sys.executable, __file__, "--child", ws, str(out)], check=True)
    b = json.loads(out.read_text())
    bt = b["topics"]
    bt_assigned = [(g, t) for g, t in zip(gold, bt) if t != -1]
    bkw = list(b["keywords"].values())
    bflat = [w for k in bkw for w in k]
    bertopic = {
        "seconds": b["seconds"], "peak_mb": b["peak_mb"], "themes": len(bkw),
        "nmi": normalized_mutual_info_score(gold, bt), "ari": adjusted_rand_score(gold, bt),
        "nmi_assigned": normalized_mutual_info_score(*zip(*bt_assigned)),
        "unassigned_share": sum(t == -1 for t in bt) / len(bt),
        "npmi": npmi(bkw, docs), "diversity": len(set(bflat)) / max(1, len(bflat)),
    }

    # chorus themes, timed, with its own peak memory
    for f in ("state.json", "codebook.toml"):
        (Path(ws) / "themes" / f).unlink(missing_ok=True)
    # wait4 gives this child's own peak (RUSAGE_CHILDREN would be the largest of all children)
    t = time.perf_counter()
    p = subprocess.Popen([a.chorus, "--workspace", ws, "themes", "--json"], stdout=subprocess.PIPE, text=True)
    stdout = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t
    if status != 0:
        sys.exit(f"chorus themes failed with status {status}")
    peak = usage.ru_maxrss / 1024
    r = json.loads(stdout)
    e = json.loads(run("eval", "--gold", "event", "--json").stdout)
    chorus = {"seconds": secs, "peak_mb": peak, "themes": r["themes"], "nmi": e["nmi"], "ari": e["ari"],
              "nmi_assigned": e["nmi_assigned"], "unassigned_share": e["unassigned_share"], "npmi": e["npmi"],
              "diversity": e["diversity"]}

    print(f"{len(gold)} units of {len(set(gold))} Pol.is conversations; same all-MiniLM-L6-v2 vectors\n")
    print(f"{'figure':<18}{'chorus':>12}{'BERTopic':>12}")
    for k in ["seconds", "nmi", "ari", "nmi_assigned", "npmi", "diversity", "unassigned_share", "themes", "peak_mb"]:
        fmt = (lambda v: f"{v:12.3f}") if isinstance(chorus[k], float) else (lambda v: f"{v:12}")
        print(f"{k:<18}{fmt(chorus[k])}{fmt(bertopic[k])}")
    (Path(ws) / "compare.json").write_text(json.dumps({"chorus": chorus, "bertopic": bertopic}, indent=2))


if __name__ == "__main__":
    main()
