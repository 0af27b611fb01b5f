// pybind11 binding of the mutual-structure filter (cpp/jointfilter/mutual_structure.hpp): array
// views, invariant checks, GIL release. The Python layer (restoration/_mutual.py) validates the
// arguments and allocates the outputs; exceptions are translated by the handler registered in
// bindings.cpp.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "host_array.hpp"
#include "jointfilter/mutual_structure.hpp"

namespace py = pybind11;
namespace jf = jointfilter;

namespace {

/// A view of a float32 array, (H, W) or (H, W, C) when `channels`.
jf::ImageView view_of(const py::array& a, const char* name, bool writable, bool channels) {
    JF_CHECK(a.ndim() == 2 || (channels && a.ndim() == 3),
             std::string(name) + (channels ? ": expected a 2-D or 3-D array" : ": expected a 2-D array"));
    JF_CHECK(a.dtype().kind() == 'f' && a.itemsize() == 4, std::string(name) + ": dtype must be float32");
    return jf::view_of(a, name, writable);
}

}  // namespace

void bind_mutual(py::module_& m) {
    m.def(
        "mutual_structure_filter",
        [](const py::array& target, const py::array& guide, const py::array& out_target,
           const py::object& out_guide, int64_t radius, double eps_i, double eps_g, double lam_i,
           double lam_g, int64_t iterations) {
            const jf::ImageView t = view_of(target, "target", false, true);
            const jf::ImageView g = view_of(guide, "guide", false, false);
            const jf::ImageView ot = view_of(out_target, "out_target", true, true);
            jf::ImageView og;  // no data: the filtered guide is not wanted
            if (!out_guide.is_none()) {
                JF_CHECK(py::isinstance<py::array>(out_guide), "out_guide: expected an array or None");
                og = view_of(py::reinterpret_borrow<py::array>(out_guide), "out_guide", true, true);
            }
            jf::MutualParams p;
            p.radius = radius;
            p.eps_i = eps_i;
            p.eps_g = eps_g;
            p.lam_i = lam_i;
            p.lam_g = lam_g;
            p.iterations = iterations;
            py::gil_scoped_release release;
            jf::mutual_structure_filter(t, g, ot, og, p);
        },
        "Mutual-structure joint filter on float32 images, target (H, W) or (H, W, C), guide (H, W); "
        "out_guide may be None (private; see restoration._mutual).",
        py::arg("target"), py::arg("guide"), py::arg("out_target"), py::arg("out_guide"), py::arg("radius"),
        py::arg("eps_i"), py::arg("eps_g"), py::arg("lam_i"), py::arg("lam_g"), py::arg("iterations"));
}
