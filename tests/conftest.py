import os

# Keras runs the converter tests on its numpy backend: predict in float32 as on JAX, without JAX compiling every
# eager op of HGQ2's quantizers (~20 s per model); tests/test_converter_keras.py checks the JAX backend once
os.environ.setdefault("KERAS_BACKEND", "numpy")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

pytest_plugins = ["hdl_plugin"]
