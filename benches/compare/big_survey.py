# Writes a 200 MB survey CSV for the ingest memory bench (BENCHMARKS.md, "A 200 MB survey"): its
# answers are one to three real Pol.is statements of ../shared/data recombined, one word swapped,
# so words, languages and duplicates behave as in real answers. Seeded: the same file every run.
# Usage: python3 benches/compare/big_survey.py OUT_DIR   (then: chorus ingest OUT_DIR)
import csv, glob, os, random, sys

here = os.path.dirname(os.path.abspath(__file__))
shared = os.path.join(here, "..", "..", "..", "shared", "data", "polis")
out = sys.argv[1] if len(sys.argv) > 1 else "big-survey"
random.seed(7)
sents = []
for f in sorted(glob.glob(os.path.join(shared, "*", "comments.csv"))):
    for r in csv.DictReader(open(f, encoding="utf-8")):
        t = (r.get("comment-body") or "").strip()
        if t:
            sents.append(t)
if not sents:
    sys.exit(f"no Pol.is comments under {shared}: the generator needs ../shared/data")
words = [w for s in sents for w in s.split()]
qs = ["What should we leave behind?", "What should we keep?", "What should we do differently?"]
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "event.toml"), "w") as f:
    f.write('title = "Big survey"\ncountry = "UK"\n')
with open(os.path.join(out, "survey.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["respondent_id", "country", "sector"] + qs)
    i = size = 0
    while size < 200_000_000:
        row = [f"r{i}", random.choice(["UK", "France", "Chile"]), random.choice(["central", "local"])]
        for q in qs:
            toks = " ".join(random.choice(sents) for _ in range(random.randint(1, 3))).split()
            toks[random.randrange(len(toks))] = random.choice(words)
            row.append(" ".join(toks))
        w.writerow(row)
        i += 1
        size += sum(len(x) for x in row) + 8
print(f"{out}/survey.csv: {i} respondents", file=sys.stderr)
