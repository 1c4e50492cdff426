#!/usr/bin/env python3
"""Embedding speed of Python sentence-transformers, to set beside `chorus embed`.

Usage:
    python embed_speed.py --model DIR --texts FILE [--threads 2] [--batch 32] [--runs 3]
                          [--save-vectors PATH.npy]

DIR is a local model folder in sentence-transformers layout (e.g. all-MiniLM-L6-v2, the
model chorus embeds with); nothing is fetched from a hub. FILE holds one text per line
(UTF-8); every line is a text, blank ones included, so that row i of the vectors is line i
of the file, as in chorus.

The model runs on the CPU with `--threads` intra-op threads. One small warm-up encode (the
first 64 texts) is not timed; then each run times one `model.encode` over all the texts,
L2-normalised, as chorus's vectors are. Prints one JSON object to stdout:
    {"texts", "threads", "batch", "runs_s", "median_s", "texts_per_s", "torch",
     "sentence_transformers", "max_seq_length", "dim"}
`--save-vectors` writes the last run's vectors (float32, input order) as a .npy file, to be
compared with the vectors chorus writes for the same file.

Needs (tested with): torch==2.4.0 sentence-transformers==3.0.1 transformers==4.44.2
numpy==1.26.4 on Python 3.11.
"""
import argparse
import json
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, help="local sentence-transformers model folder")
    p.add_argument("--texts", required=True, help="UTF-8 file, one text per line")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    p.add_argument("--batch", type=int, default=32, help="encode batch size (default 32)")
    p.add_argument("--runs", type=int, default=3, help="timed runs (default 3)")
    p.add_argument("--save-vectors", metavar="PATH.npy", help="save the last run's vectors here")
    return p.parse_args()


def read_texts(path):
    # Split on "\n" only (not str.splitlines, which also breaks on \x1c, \u2028 and the like),
    # so the line count matches a plain line reader; drop a "\r" before it and the empty
    # piece after a final newline.
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def main():
    args = parse_args()
    if args.threads < 1 or args.batch < 1 or args.runs < 1:
        sys.exit("--threads, --batch and --runs must be at least 1")

    # Set before the imports: the model is local, so never reach for a hub; and give the
    # tokenizer's own thread pool (Rust, rayon) the same thread budget as torch.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("RAYON_NUM_THREADS", str(args.threads))

    import numpy as np
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)

    texts = read_texts(args.texts)
    if not texts:
        sys.exit(f"no texts in {args.texts}")

    model = SentenceTransformer(args.model, device="cpu")

    def encode(batch_texts):
        return model.encode(batch_texts, batch_size=args.batch, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    # Warm-up: first-call allocations and lazy initialisation stay out of the timings.
    encode(texts[:64])

    runs_s = []
    vectors = None
    for _ in range(args.runs):
        start = time.perf_counter()
        vectors = encode(texts)
        runs_s.append(time.perf_counter() - start)

    if args.save_vectors:
        # encode returns rows in input order (it sorts by length inside, then restores it).
        np.save(args.save_vectors, np.asarray(vectors, dtype=np.float32))

    median_s = statistics.median(runs_s)
    print(json.dumps({
        "texts": len(texts),
        "threads": args.threads,
        "batch": args.batch,
        "runs_s": [round(s, 4) for s in runs_s],
        "median_s": round(median_s, 4),
        "texts_per_s": round(len(texts) / median_s, 1),
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "max_seq_length": model.max_seq_length,
        "dim": int(vectors.shape[1]),
    }))


if __name__ == "__main__":
    main()
