// da4ml._core: wires the per-subsystem bindings into one private extension module.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_dais(py::module_ &m);
void bind_cmvm(py::module_ &m);

PYBIND11_MODULE(_core, m) {
    m.doc() = "da4ml native core (private): DAIS interpreter and CMVM optimizer";
    auto dais = m.def_submodule("dais", "DAIS program validation and bit-exact interpreter");
    bind_dais(dais);
    auto cmvm = m.def_submodule("cmvm", "Constant matrix-vector multiplication optimizer");
    bind_cmvm(cmvm);
}
