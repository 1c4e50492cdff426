#!/usr/bin/env python3
"""chorus's topic segments vs two baselines, side by side, on the 24 AMI meetings.

Usage: python3 benches/compare/segments.py [--chorus BIN] [--workspace DIR] [--shared ../shared/data]

1. ingests and embeds the AMI transcripts of ../shared/data (reuses the workspace if present);
2. runs `chorus themes --recluster` (timed);
3. runs `chorus eval --gold ami-topics:.../ami/original --json`, which scores on the same
   transcripts and vectors: chorus's segments, (a) equal contiguous blocks with the true number
   of segments, (b) TextTiling on the unit vectors (window 10, Hearst's cut-off), and the themes
   (`per_event_nmi`, `coverage`);
4. scores the procedural status against AMI's opening, closing, agenda/equipment and chitchat
   topics (top.11-14 of the AMI topic ontology): precision and recall over units;
5. prints a table and writes it as JSON next to the workspace.

Needs nothing beyond the Python standard library and a chorus binary.
"""
import argparse, json, subprocess, sys, time
from pathlib import Path

PROCEDURAL = {"top.11", "top.12", "top.13", "top.14"}  # opening, closing, agenda/equipment, chitchat


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stderr}")
    return r


def main():
    ap = argparse.ArgumentParser()
    root = Path(__file__).resolve().parents[2]
    ap.add_argument("--chorus", default=str(Path.home() / ".cache/chorus/target/release/chorus"))
    ap.add_argument("--workspace", default="/tmp/chorus-ami")
    ap.add_argument("--shared", default=str(root.parent / "shared/data"))
    a = ap.parse_args()
    ws, shared = Path(a.workspace), Path(a.shared)
    c = [a.chorus, "-q", "--workspace", str(ws)]
    if not (ws / "vectors/current.json").exists():
        run(c + ["ingest", str(shared / "ami/transcripts")])
        run(c + ["embed"])
    t = time.time()
    run(c + ["themes", "--recluster"])
    themes_s = time.time() - t
    ev = json.loads(run(c + ["--json", "eval", "--gold", f"ami-topics:{shared / 'ami/original'}"]).stdout)
    w = ev["within"]
    rows = [("chorus segments", w["segments"]), ("equal blocks (true count)", w["baseline_equal_blocks"]),
            ("TextTiling (same vectors)", w["baseline_texttiling"])]
    print(f"AMI, {len(list((shared / 'ami/original/topics').glob('*.xml')))} meetings, "
          f"{w['gold_segments']:.1f} gold segments per meeting; themes stage {themes_s:.1f} s\n")
    print(f"{'segmentation':28} {'Pk':>6} {'WinDiff':>8} {'coverage':>9} {'NMI/event':>10} {'segments':>9}")
    for name, s in rows:
        print(f"{name:28} {s['pk']:6.3f} {s['windowdiff']:8.3f} {s['coverage']:9.3f} "
              f"{s['per_event_nmi']:10.3f} {s['segments']:9.1f}")
    print(f"\nthemes: per_event_nmi {w['per_event_nmi']:.3f} (units' own themes only "
          f"{w['per_event_nmi_own']:.3f}), coverage {w['coverage']:.3f}; NMI over all units {ev['nmi']:.3f}")
    proc = [l for l in w["by_label"] if l["label"] in PROCEDURAL]
    flagged = sum(l["procedural"] for l in w["by_label"])
    hit = sum(l["procedural"] for l in proc)
    gold = sum(l["units"] for l in proc)
    p = hit / flagged if flagged else 0.0
    r = hit / gold if gold else 0.0
    print(f"procedural: {flagged} units flagged; precision {p:.3f}, recall {r:.3f} "
          f"against {gold} units of AMI's opening/closing/agenda/chitchat topics")
    out = {"themes_seconds": themes_s, "eval": ev, "procedural": {"precision": p, "recall": r,
           "flagged": flagged, "gold": gold}}
    (ws.parent / (ws.name + "-segments.json")).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
