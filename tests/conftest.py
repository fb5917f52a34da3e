pytest_plugins = ["hdl_plugin"]
