"""Generate a synthetic, valid survey of N entries (realistic sizes and references) for benchmarks.

usage: python benchmarks/generate.py N OUT_DIR

About 3 KB per entry on average (the repository's own entries: 2.5 KB): 80% models
with stages, results and notes (3.6 KB each); tokenizers (1 KB); benchmarks that
results point at and analyses that study models (0.5 KB). Deterministic for a given N.
"""
from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORDS = ("speech token model codec encoder fusion adapter stream duplex level prosody emotion speaker noise "
         "alignment instruction preference benchmark layer probe representation latency vocabulary").split()


def prose(rng, n) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def header(kind_dir: str) -> str:
    return "# yaml-language-server: $schema=../../schema/entry.schema.json\n"


def source(url, covers) -> str:
    return (f"  - id: paper\n    url: {url}\n    tier: primary\n    locator: abstract and section 3\n"
            f"    covers: [{', '.join(covers)}]\n")


def model(i, rng, toks, benches, models) -> str:
    y, m = 2022 + i % 4, 1 + i % 12
    tok = rng.choice(toks)
    fin = rng.choice(["cascade", "continuous_adapter", "discrete_tokens", "cross_attention"])
    fout = rng.choice(["none", "cascade_tts", "discrete_tokens", "late_fusion", "parallel_heads", "hierarchical"])
    stages = "".join(
        f"  - name: Stage {s}\n    type: {rng.choice(['alignment', 'instruction_tuning', 'enhancement', 'preference'])}\n"
        f"    purpose: {prose(rng, 12)}\n    data: {prose(rng, 10)}\n"
        f"    mixture: [{{part: asr, percent: 60}}, {{part: qa, percent: 40}}]\n    trained: [LLM]\n"
        for s in range(1, 4))
    results = "".join(
        f"  - {{benchmark: {rng.choice(benches)}, task: task-{rng.randint(1, 3)}, metric: accuracy, "
        f"value: {rng.uniform(10, 90):.2f}, origin: own, source: paper, locator: Table {rng.randint(1, 5)}}}\n"
        for _ in range(4))
    if models and rng.random() < 0.3:
        results += (f"  - {{benchmark: {rng.choice(benches)}, task: task-1, metric: accuracy, value: 50.0, "
                    f"model: {rng.choice(models)}, origin: re-reported, source: paper}}\n")
    notes = "\n".join(f"  {prose(rng, 14)}" for _ in range(8))
    return (header("models") + f"id: m{i:05d}\nname: Model {i}\ntitle: \"Model {i}: {prose(rng, 6)}\"\nkind: model\n"
            f"date: \"{y}-{m:02d}\"\narxiv: \"{y % 100:02d}{m:02d}.{10000 + i:05d}\"\n"
            f"authors: [{', '.join('Author ' + str(rng.randint(1, 999)) for _ in range(6))}]\norgs: [Lab {i % 40}]\n"
            f"links:\n  paper: https://arxiv.org/abs/{y % 100:02d}{m:02d}.{10000 + i:05d}\n  code: https://example.org/m{i}\n"
            f"tags: [{prose(rng, 1)}, bench]\nnotes: |\n{notes}\n"
            f"modalities:\n  input: [speech, text]\n  output: [text]\n"
            f"fusion:\n  input: {fin}\n  output: {fout}\n  detail: {prose(rng, 8)}\n"
            f"tokenizer:\n  - ref: {tok}\n    variant: large\n"
            f"codebooks:\n  count: {rng.randint(1, 8)}\n  size: 1024\n  layout: single\n"
            f"backbone:\n  name: LM-{i % 17}\n  size_b: {rng.choice([0.5, 1, 7, 8, 13])}\n"
            f"streaming: {str(rng.random() < 0.5).lower()}\nfull_duplex: false\n"
            f"training_stages:\n{stages}"
            f"understanding_level:\n  level: {rng.randint(1, 5)}\n  rationale: {prose(rng, 10)}\n"
            f"results:\n{results}sources:\n"
            + source(f"https://arxiv.org/abs/{y % 100:02d}{m:02d}.{10000 + i:05d}",
                     ["title", "modalities", "fusion", "tokenizer", "backbone", "training_stages",
                      "understanding_level", "results"]))


def tokenizer(i, rng) -> str:
    notes = "\n".join(f"  {prose(rng, 14)}" for _ in range(4))
    return (header("tokenizers") + f"id: t{i:05d}\ntitle: \"Tokenizer {i}: {prose(rng, 5)}\"\nkind: tokenizer\n"
            f"date: \"2023-{1 + i % 12:02d}\"\nauthors: [Author {i}]\nlinks:\n  paper: https://example.org/t{i}\n"
            f"notes: |\n{notes}\ntokenizer_type: {rng.choice(['semantic', 'acoustic', 'hybrid', 'continuous'])}\n"
            f"quantizer: {rng.choice(['kmeans', 'vq', 'rvq', 'fsq'])}\ncodebooks:\n  count: 8\n  size: 1024\n"
            f"frame_rate_hz: {rng.choice([12.5, 25, 50, 75])}\nsample_rate_hz: {rng.choice([16000, 24000])}\n"
            f"sources:\n" + source(f"https://example.org/t{i}", ["title", "tokenizer_type", "codebooks"]))


def benchmark(i, rng) -> str:
    return (header("benchmarks") + f"id: b{i:05d}\ntitle: \"Bench {i}: {prose(rng, 5)}\"\nkind: benchmark\n"
            f"date: \"2024-{1 + i % 12:02d}\"\nauthors: [Author {i}]\nlinks:\n  paper: https://example.org/b{i}\n"
            f"tasks: [{{name: task-1}}, {{name: task-2}}, {{name: task-3}}]\n"
            f"metrics: [{{name: accuracy, direction: higher, unit: \"%\"}}]\n"
            f"sources:\n" + source(f"https://example.org/b{i}", ["tasks", "metrics"]))


def analysis(i, rng, models) -> str:
    studied = sorted(set(rng.sample(models, k=min(3, len(models)))))
    return (header("analyses") + f"id: a{i:05d}\ntitle: \"Study {i}: {prose(rng, 5)}\"\nkind: analysis\n"
            f"date: \"2024-{1 + i % 12:02d}\"\nauthors: [Author {i}]\nlinks:\n  paper: https://example.org/a{i}\n"
            f"models_studied: [{', '.join(studied)}]\nmethods: [probing]\nfindings: [{prose(rng, 12)}]\n"
            f"sources:\n" + source(f"https://example.org/a{i}", ["models_studied", "methods", "findings"]))


def generate(n: int, out: Path) -> Path:
    rng = random.Random(n)
    if out.exists():
        shutil.rmtree(out)
    for sub in ("models", "tokenizers", "benchmarks", "analyses"):
        (out / "entries" / sub).mkdir(parents=True)
    shutil.copytree(REPO / "schema", out / "schema")
    shutil.copy(REPO / "survey.yaml", out / "survey.yaml")
    n_tok, n_bench, n_ana = max(2, n // 10), max(2, n // 20), max(1, n // 20)
    n_model = n - n_tok - n_bench - n_ana
    toks = [f"t{i:05d}" for i in range(n_tok)]
    benches = [f"b{i:05d}" for i in range(n_bench)]
    for i in range(n_tok):
        (out / "entries" / "tokenizers" / f"t{i:05d}.yaml").write_text(tokenizer(i, rng))
    for i in range(n_bench):
        (out / "entries" / "benchmarks" / f"b{i:05d}.yaml").write_text(benchmark(i, rng))
    models = []
    for i in range(n_model):
        (out / "entries" / "models" / f"m{i:05d}.yaml").write_text(model(i, rng, toks, benches, models[-50:]))
        models.append(f"m{i:05d}")
    for i in range(n_ana):
        (out / "entries" / "analyses" / f"a{i:05d}.yaml").write_text(analysis(i, rng, models))
    return out


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))
