import os

# the converter tests run Keras on JAX's CPU backend (the keras extra installs jax); set before keras is imported
os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

pytest_plugins = ["hdl_plugin"]
