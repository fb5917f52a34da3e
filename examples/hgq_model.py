"""The HGQ2 model of `make demo`: a small quantized classifier, trained for a moment, saved as a .keras file.

    python examples/hgq_model.py out/hgq_demo.keras
    da4ml convert out/hgq_demo.keras out/hgq_demo --sim all     # project + sign-off on both simulators

The task is synthetic and seeded (16 features, 5 classes: which of five fixed directions a noisy sample lies
closest to), so the model, its weights and the project `da4ml convert` writes are the same on every run.
16 -> 16 (relu) -> 8 (relu) -> 5, HGQ2's default quantizers (trainable bit widths); after training,
hgq.utils.trace_minmax sets every quantizer's integer bits from the training data, as before any conversion.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "jax")


def data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centers = np.random.default_rng(0).normal(0, 1, (5, 16))
    y = rng.integers(0, 5, n)
    x = centers[y] + rng.normal(0, 0.8, (n, 16))
    return x.astype(np.float32), y


def build():
    import keras
    from hgq.layers import QDense

    inp = keras.Input((16,), name="features")
    x = QDense(16, activation="relu")(inp)
    x = QDense(8, activation="relu")(x)
    return keras.Model(inp, QDense(5)(x), name="hgq_demo")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", default="out/hgq_demo.keras", help="where to save (default out/hgq_demo.keras)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args(argv)
    import keras
    from hgq.utils import trace_minmax

    keras.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x, y = data(rng, 4096)
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(x, y, epochs=args.epochs, batch_size=256, verbose=0)
    trace_minmax(model, x, batch_size=4096)
    xt, yt = data(rng, 2048)
    acc = float(np.mean(np.argmax(model.predict(xt, verbose=0, batch_size=2048), axis=1) == yt))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    print(f"{out}: HGQ2 model 16 -> 16 -> 8 -> 5, {args.epochs} epochs, test accuracy {acc:.1%} (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
