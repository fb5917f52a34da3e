// Thin pybind11 face of the CMVM optimizer (native/core/cmvm).  Plain arrays in, plain arrays out.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <climits>
#include <stdexcept>
#include <string>

#include "cmvm/cost.hpp"
#include "cmvm/csd.hpp"
#include "cmvm/solve.hpp"

namespace py = pybind11;
using namespace da4ml::cmvm;

namespace {

using farray = py::array_t<double, py::array::c_style | py::array::forcecast>;
using iarray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

Method parse_method(const std::string &m, const char *what) {
    if (m == "mc") return Method::MC;
    if (m == "wmc") return Method::WMC;
    throw std::invalid_argument(std::string(what) + "='" + m + "' is not a known method; use 'mc' or 'wmc'");
}

template <class T>
py::array_t<T> to_array(const std::vector<T> &v) {
    py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

py::dict stage_dict(const StageProgram &s) {
    const auto n = static_cast<py::ssize_t>(s.ops.size());
    py::array_t<int32_t> opcode(n), id0(n), id1(n);
    py::array_t<int64_t> data(n), bounds({n, static_cast<py::ssize_t>(3)});
    py::array_t<double> qint({n, static_cast<py::ssize_t>(3)}), lat(n), cost(n);
    auto oc = opcode.mutable_unchecked<1>();
    auto i0 = id0.mutable_unchecked<1>();
    auto i1 = id1.mutable_unchecked<1>();
    auto dt = data.mutable_unchecked<1>();
    auto q = qint.mutable_unchecked<2>();
    auto qb = bounds.mutable_unchecked<2>();
    auto la = lat.mutable_unchecked<1>();
    auto co = cost.mutable_unchecked<1>();
    for (py::ssize_t t = 0; t < n; ++t) {
        const ProgOp &op = s.ops[t];
        oc(t) = op.opcode;
        i0(t) = op.id0;
        i1(t) = op.id1;
        dt(t) = op.data;
        q(t, 0) = op.q.min();
        q(t, 1) = op.q.max();
        q(t, 2) = op.q.step();
        qb(t, 0) = op.q.lo;  // exact: values lo..hi in steps of 2**-f
        qb(t, 1) = op.q.hi;
        qb(t, 2) = -int64_t{op.q.exp};
        la(t) = op.latency;
        co(t) = op.cost;
    }
    py::dict d;
    d["n_in"] = s.n_in;
    d["n_out"] = s.n_out;
    d["opcode"] = opcode;
    d["id0"] = id0;
    d["id1"] = id1;
    d["data"] = data;
    d["qint"] = qint;
    d["qint_bounds"] = bounds;
    d["latency"] = lat;
    d["cost"] = cost;
    d["inp_shifts"] = to_array(s.inp_shifts);
    d["out_idxs"] = to_array(s.out_idxs);
    d["out_shifts"] = to_array(s.out_shifts);
    std::vector<int8_t> negs(s.out_negs.begin(), s.out_negs.end());
    d["out_negs"] = to_array(negs);
    return d;
}

void check_kernel(const farray &k) {
    if (k.ndim() != 2)
        throw std::invalid_argument("kernel must be a 2-d array, got " + std::to_string(k.ndim()) + "-d");
    if (k.shape(0) == 0 || k.shape(1) == 0) throw std::invalid_argument("kernel must not be empty");
}

void read_inputs(SolveOptions &opt, int n_in, const iarray &qintervals, const farray &latencies) {
    if (qintervals.ndim() != 2 || qintervals.shape(0) != n_in || qintervals.shape(1) != 3)
        throw std::invalid_argument("qintervals must have shape (" + std::to_string(n_in) + ", 3)");
    if (latencies.ndim() != 1 || latencies.shape(0) != n_in)
        throw std::invalid_argument("latencies must have shape (" + std::to_string(n_in) + ",)");
    auto qi = qintervals.unchecked<2>();
    auto la = latencies.unchecked<1>();
    for (int i = 0; i < n_in; ++i) {
        // exact input intervals: values lo..hi in steps of 2**-f (da4ml.cmvm.validate.check_qintervals)
        if (qi(i, 0) > qi(i, 1)) throw std::invalid_argument("qintervals[" + std::to_string(i) + "]: lo > hi");
        if (qi(i, 2) < INT32_MIN || qi(i, 2) > INT32_MAX)
            throw std::invalid_argument("qintervals[" + std::to_string(i) + "]: f out of range");
        QInt q;
        q.lo = qi(i, 0);
        q.hi = qi(i, 1);
        q.exp = static_cast<int32_t>(-qi(i, 2));
        opt.in_q.push_back(q);
        opt.in_lat.push_back(la(i));
    }
}

py::dict solution_dict(const Solution &s) {
    py::list stages;
    for (auto &st : s.stages) stages.append(stage_dict(st));
    py::dict d;
    d["stages"] = stages;
    d["n_adders"] = s.n_adders;
    d["cost"] = s.cost;
    d["latency"] = s.latency;
    d["trial"] = s.trial;
    return d;
}

py::dict solve_py(const farray &kernel, const std::string &method0, const std::string &method1, int hard_dc,
                  int decompose_dc, const iarray &qintervals, const farray &latencies, int adder_size, int carry_size,
                  bool search_all_decompose_dc, int n_threads, double search_budget, uint64_t seed) {
    check_kernel(kernel);
    const int n_in = static_cast<int>(kernel.shape(0)), n_out = static_cast<int>(kernel.shape(1));
    SolveOptions opt;
    opt.method0 = parse_method(method0, "method0");
    if (method1 != "auto") opt.method1 = parse_method(method1, "method1");
    opt.hard_dc = hard_dc;
    opt.decompose_dc = decompose_dc;
    opt.adder_size = adder_size;
    opt.carry_size = carry_size;
    opt.search_all_decompose_dc = search_all_decompose_dc;
    opt.n_threads = n_threads;
    opt.search_budget = search_budget;
    opt.seed = seed;
    read_inputs(opt, n_in, qintervals, latencies);
    std::vector<double> w(kernel.data(), kernel.data() + static_cast<size_t>(n_in) * n_out);
    SolveResult r;
    {
        py::gil_scoped_release release;
        r = solve(w.data(), n_in, n_out, opt);
    }
    py::dict d = solution_dict(r.best);
    d["n_trials"] = r.n_trials;
    d["work"] = r.work;
    py::list trials;
    for (const TrialReport &t : r.trials)
        trials.append(py::make_tuple(t.name, t.n_adders, t.cost, t.latency, t.work, t.kept));
    d["trials"] = trials;
    d["depth_lower_bound"] = r.depth_lower_bound;
    d["depth_limit"] = r.depth_limit;
    return d;
}

py::dict solve_exact_py(const farray &kernel, const iarray &qintervals, const farray &latencies, int adder_size,
                        int carry_size, int64_t max_nodes, int n_threads) {
    check_kernel(kernel);
    const int n_in = static_cast<int>(kernel.shape(0)), n_out = static_cast<int>(kernel.shape(1));
    SolveOptions opt;
    opt.method0 = Method::MC;  // the heuristic bound: fewest adders
    opt.adder_size = adder_size;
    opt.carry_size = carry_size;
    opt.n_threads = n_threads;
    read_inputs(opt, n_in, qintervals, latencies);
    ExactLimits lim;
    lim.max_nodes = max_nodes;
    std::vector<double> w(kernel.data(), kernel.data() + static_cast<size_t>(n_in) * n_out);
    MinimumResult r;
    {
        py::gil_scoped_release release;
        r = solve_minimum_adders(w.data(), n_in, n_out, opt, lim);
    }
    py::dict d = solution_dict(r.best);
    d["heuristic_adders"] = r.heuristic_adders;
    d["lower_bound"] = r.lower_bound;
    d["optimal"] = r.optimal;
    d["nodes"] = r.nodes;
    return d;
}

py::tuple csd_decompose_py(const farray &kernel) {
    check_kernel(kernel);
    const int n_in = static_cast<int>(kernel.shape(0)), n_out = static_cast<int>(kernel.shape(1));
    IntKernel k = factor_kernel(kernel.data(), n_in, n_out);
    int nbits = 1;
    for (auto v : k.m)
        for (auto &dg : csd_digits(v)) nbits = std::max(nbits, dg.bit + 1);
    py::array_t<int8_t> csd(
        {static_cast<py::ssize_t>(n_in), static_cast<py::ssize_t>(n_out), static_cast<py::ssize_t>(nbits)});
    auto c = csd.mutable_unchecked<3>();
    for (int i = 0; i < n_in; ++i)
        for (int j = 0; j < n_out; ++j) {
            for (int b = 0; b < nbits; ++b) c(i, j, b) = 0;
            for (auto &dg : csd_digits(k.at(i, j))) c(i, j, dg.bit) = dg.sign;
        }
    return py::make_tuple(csd, to_array(k.shift0), to_array(k.shift1));
}

py::tuple kernel_decompose_py(const farray &kernel, int dc) {
    check_kernel(kernel);
    const int n_in = static_cast<int>(kernel.shape(0)), n_out = static_cast<int>(kernel.shape(1));
    std::vector<double> w1, w2;
    kernel_decompose(kernel.data(), n_in, n_out, dc, w1, w2);
    py::array_t<double> a1({static_cast<py::ssize_t>(n_in), static_cast<py::ssize_t>(n_out)});
    py::array_t<double> a2({static_cast<py::ssize_t>(n_out), static_cast<py::ssize_t>(n_out)});
    std::copy(w1.begin(), w1.end(), a1.mutable_data());
    std::copy(w2.begin(), w2.end(), a2.mutable_data());
    return py::make_tuple(a1, a2);
}

}  // namespace

void bind_cmvm(py::module_ &m) {
    m.def("solve", &solve_py, py::arg("kernel"), py::arg("method0"), py::arg("method1"), py::arg("hard_dc"),
          py::arg("decompose_dc"), py::arg("qintervals"), py::arg("latencies"), py::arg("adder_size"),
          py::arg("carry_size"), py::arg("search_all_decompose_dc"), py::arg("n_threads") = 0,
          py::arg("search_budget") = 0.0, py::arg("seed") = 0,
          "Optimize x @ kernel; returns the stage programs as plain arrays (see da4ml/_core/cmvm.pyi).");
    m.def("solve_exact", &solve_exact_py, py::arg("kernel"), py::arg("qintervals"), py::arg("latencies"),
          py::arg("adder_size"), py::arg("carry_size"), py::arg("max_nodes"), py::arg("n_threads") = 0,
          "Fewest adders: the heuristic program, then the exact search for one with fewer (see da4ml/_core/cmvm.pyi).");
    m.def("csd_decompose", &csd_decompose_py, py::arg("kernel"),
          "CSD digits csd[i, j, b] and row/column power-of-two shifts of a kernel.");
    m.def("kernel_decompose", &kernel_decompose_py, py::arg("kernel"), py::arg("dc"),
          "Stage-1 factors (W1, W2) with W1 @ W2 == kernel.");
    m.def("adder_cost", &adder_cost, py::arg("width"), py::arg("adder_size"));
    m.def("adder_latency", &adder_latency, py::arg("width"), py::arg("carry_size"));
}
