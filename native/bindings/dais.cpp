// da4ml._core.dais: thin bindings of the DAIS reader and interpreter (native/core/dais).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "dais/interpreter.hpp"
#include "dais/opcodes.hpp"
#include "dais/program.hpp"

namespace py = pybind11;
using namespace da4ml::dais;

namespace {

// Binary words from bytes-like objects (little-endian int32 words) or int32 arrays.  Other integer arrays are
// accepted when every value fits in int32; anything else is refused with TypeError.
std::vector<int32_t> words_from(const py::object &obj) {
    if (py::isinstance<py::bytes>(obj) || py::isinstance<py::bytearray>(obj) || py::isinstance<py::memoryview>(obj)) {
        const std::string raw = py::isinstance<py::memoryview>(obj) ? std::string(py::bytes(obj.attr("tobytes")()))
                                                                    : std::string(py::bytes(obj));
        if (raw.size() % 4 != 0)
            throw ProgramError("binary of " + std::to_string(raw.size()) +
                               " bytes is not a whole number of 4-byte words");
        std::vector<int32_t> words(raw.size() / 4);
        std::memcpy(words.data(), raw.data(),
                    raw.size());  // the format is little-endian, as is every host we build for
        return words;
    }
    py::array arr = py::array::ensure(obj);
    if (!arr) throw py::type_error("words must be bytes or a 1-d integer array");
    if (arr.ndim() != 1)
        throw py::value_error("words must be a 1-d array, got " + std::to_string(arr.ndim()) + " dimensions");
    const char kind = arr.dtype().kind();
    if (kind != 'i' && kind != 'u')
        throw py::type_error("words must be an integer array (int32), got dtype " + std::string(py::str(arr.dtype())));
    if (arr.dtype().is(py::dtype::of<int32_t>())) {
        auto a = py::array_t<int32_t, py::array::c_style | py::array::forcecast>::ensure(arr);
        return std::vector<int32_t>(a.data(), a.data() + a.size());
    }
    auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(arr);
    if (!a) throw py::type_error("words: cannot read the array as integers");
    std::vector<int32_t> words(a.size());
    for (py::ssize_t j = 0; j < a.size(); ++j) {
        const int64_t v = a.data()[j];
        if (v < INT32_MIN || v > INT32_MAX || (kind == 'u' && v < 0))
            throw ProgramError("word " + std::to_string(j) + " = " + std::to_string(v) + " does not fit in int32");
        words[j] = static_cast<int32_t>(v);
    }
    return words;
}

Program parse(const py::object &obj) {
    const std::vector<int32_t> words = words_from(obj);
    return parse_binary(words.data(), words.size());
}

class PyInterpreter {
   public:
    explicit PyInterpreter(const py::object &words) : interp_(parse(words)) {}

    py::array_t<double> predict(const py::object &data, int n_threads) const {
        auto x = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(data);
        if (!x) throw py::type_error("data must be a float array of shape (batch, n_in) or (n_in,)");
        const auto n_in = static_cast<py::ssize_t>(interp_.n_in());
        const auto n_out = static_cast<py::ssize_t>(interp_.n_out());
        py::ssize_t batch = 0;
        if (x.ndim() == 1 && x.shape(0) == n_in) {
            batch = 1;
        } else if (x.ndim() == 2 && x.shape(1) == n_in) {
            batch = x.shape(0);
        } else {
            std::string shape = "(";
            for (py::ssize_t d = 0; d < x.ndim(); ++d) shape += (d ? ", " : "") + std::to_string(x.shape(d));
            shape += x.ndim() == 1 ? ",)" : ")";
            throw py::value_error("data has shape " + shape + " but this program takes (batch, " +
                                  std::to_string(n_in) + ") or (" + std::to_string(n_in) +
                                  ",): n_in=" + std::to_string(n_in));
        }
        py::array_t<double> y({batch, n_out});
        const double *xp = x.data();
        double *yp = y.mutable_data();
        {
            py::gil_scoped_release release;
            interp_.run(xp, yp, static_cast<size_t>(batch), n_threads);
        }
        return y;
    }

    const Interpreter &core() const { return interp_; }

   private:
    Interpreter interp_;
};

}  // namespace

void bind_dais(py::module_ &m) {
    static py::exception<ProgramError> dais_error(m, "DAISError", PyExc_ValueError);
    dais_error.doc() = "A malformed DAIS program (the message names the op and the problem).";
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const ProgramError &e) {
            py::set_error(dais_error, e.what());
        } catch (const InputError &e) {
            py::set_error(PyExc_ValueError, e.what());
        }
    });

    m.def(
        "opcodes",
        [] {
            std::vector<std::tuple<std::string, int, int>> out;
            for (const auto &info : kOpcodes)
                out.emplace_back(std::string(info.name), static_cast<int>(info.opcode), info.min_spec_version);
            return out;
        },
        "The DAIS opcode table: (name, value, min_spec_version) for every opcode.");
    m.def(
        "opcode_table",
        [] {
            py::list out;
            for (const auto &info : kOpcodes) {
                py::list fields;
                for (int j = 0; j < info.n_fields; ++j) {
                    const FieldSpec &f = info.fields[j];
                    fields.append(py::make_tuple(std::string(kFieldNames[static_cast<size_t>(f.field)]),
                                                 static_cast<int>(f.bit), static_cast<int>(f.width), f.is_signed));
                }
                py::dict d;
                d["name"] = std::string(info.name);
                d["value"] = static_cast<int>(info.opcode);
                d["min_spec_version"] = info.min_spec_version;
                d["family"] = static_cast<int>(info.family);
                d["reads_a"] = bool(info.operands & kReadsA);
                d["reads_b"] = bool(info.operands & kReadsB);
                d["reads_cond"] = bool(info.operands & kReadsCond);
                d["neg_a"] = info.neg_a;
                d["neg_b"] = info.neg_b;
                d["fields"] = fields;
                out.append(d);
            }
            return out;
        },
        "Every opcode with its operands, static negations and the fields packed into its data: a list of dicts "
        "(name, value, min_spec_version, family, reads_a, reads_b, reads_cond, neg_a, neg_b, fields), fields "
        "as (name, bit, width, signed) within the signed 64-bit data.");
    m.def(
        "bit_ops",
        [] {
            std::vector<std::tuple<std::string, std::string, int>> out;
            for (const auto &[name, v] : kBitUnaryNames) out.emplace_back("BIT_UNARY", std::string(name), int(v));
            for (const auto &[name, v] : kBitBinaryNames) out.emplace_back("BIT_BINARY", std::string(name), int(v));
            return out;
        },
        "The bit sub-operations: (family, name, value) for BIT_UNARY (NOT, ANY, ALL) and BIT_BINARY (AND, OR, XOR).");
    m.attr("MAX_VALUE_BITS") = kMaxValueBits;
    m.attr("MAX_OUTPUT_EXPONENT") = kMaxOutputExponent;
    m.attr("MIN_OUTPUT_EXPONENT") = kMinOutputExponent;
    m.attr("SPEC_VERSION_WRITTEN") = kSpecVersionWritten;
    m.attr("SPEC_VERSION_MIN_READ") = kSpecVersionMinRead;
    m.attr("SPEC_VERSION_MAX_READ") = kSpecVersionMaxRead;
    m.attr("WORDS_PER_OP") = kWordsPerOp;
    m.attr("BLOCK_SIZE") = Interpreter::kBlock;

    m.def(
        "validate", [](const py::object &words) { parse(words); }, py::arg("words"),
        "Parse and validate a DAIS binary (int32 words or bytes); raise DAISError naming the op and the problem.");

    py::class_<PyInterpreter>(m, "Interpreter", "Bit-exact interpreter of one validated DAIS program.")
        .def(py::init<const py::object &>(), py::arg("words"))
        .def_property_readonly("n_in", [](const PyInterpreter &p) { return p.core().n_in(); })
        .def_property_readonly("n_out", [](const PyInterpreter &p) { return p.core().n_out(); })
        .def_property_readonly("n_ops", [](const PyInterpreter &p) { return p.core().n_ops(); })
        .def_property_readonly("n_slots", [](const PyInterpreter &p) { return p.core().n_slots(); })
        .def_property_readonly("spec_version", [](const PyInterpreter &p) { return p.core().program().spec_version; })
        .def("predict", &PyInterpreter::predict, py::arg("data"), py::arg("n_threads") = 0,
             "Run the program on data shaped (batch, n_in) or (n_in,); returns float64 (batch, n_out).");
}
