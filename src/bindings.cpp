// pybind11 bindings: array conversion, cheap invariant checks, GIL release, error translation.
// No arithmetic here: the Python layer (_validate.py) has already checked arguments and made
// arrays acceptable; this file re-checks what could crash the process if it were wrong.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "jointfilter/guided_filter.hpp"
#ifdef JOINTFILTER_HAS_CUDA
#include "device.hpp"
#endif
#include "jointfilter/parallel.hpp"

namespace py = pybind11;
namespace jf = jointfilter;

namespace {

jf::DType dtype_of(const py::array& a, const char* name) {
    const auto kind = a.dtype().kind();
    const auto size = a.dtype().itemsize();
    if (kind == 'u' && size == 1) return jf::DType::u8;
    if (kind == 'u' && size == 2) return jf::DType::u16;
    if (kind == 'f' && size == 4) return jf::DType::f32;
    throw jf::invalid_argument(std::string(name) + ": dtype must be uint8, uint16 or float32");
}

/// A view of a (H, W) or (H, W, C) array whose pixels are contiguous within each row.
jf::ImageView view_of(const py::array& a, const char* name, bool writable) {
    JF_CHECK(a.ndim() == 2 || a.ndim() == 3, std::string(name) + ": expected a 2-D or 3-D array");
    jf::ImageView v;
    v.dtype = dtype_of(a, name);
    const auto item = static_cast<int64_t>(a.itemsize());
    v.height = a.shape(0);
    v.width = a.shape(1);
    v.channels = a.ndim() == 3 ? a.shape(2) : 1;
    const int64_t row_bytes = a.strides(0);
    JF_CHECK(v.height <= 1 || (row_bytes > 0 && row_bytes % item == 0),
             std::string(name) + ": rows must have a positive stride that is a multiple of the item size");
    JF_CHECK(v.width <= 1 || a.strides(1) == v.channels * item,
             std::string(name) + ": pixels within a row must be contiguous");
    JF_CHECK(a.ndim() == 2 || v.channels <= 1 || a.strides(2) == item,
             std::string(name) + ": channels must be contiguous");
    v.row_stride = v.height <= 1 ? v.width * v.channels : row_bytes / item;
    if (writable) {
        JF_CHECK(a.writeable(), std::string(name) + ": array is read-only");
        v.data = const_cast<void*>(a.data());
    } else {
        v.data = const_cast<void*>(a.data());
    }
    return v;
}

jf::Border border_of(int b) {
    JF_CHECK(b >= 0 && b <= 3, "border code out of range");
    return static_cast<jf::Border>(b);
}

}  // namespace

PYBIND11_MODULE(_core, m, py::mod_gil_not_used()) {
    m.doc() = "jointfilter compiled core (private; use the jointfilter package)";

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const jf::nonfinite_input& e) {
            py::object cls = py::module_::import("jointfilter.errors").attr("NonFiniteError");
            PyErr_SetString(cls.ptr(), e.what());
        } catch (const jf::invalid_argument& e) {
            py::object cls = py::module_::import("jointfilter.errors").attr("ParameterError");
            PyErr_SetString(cls.ptr(), e.what());
        }
    });

    py::class_<jf::Workspace>(m, "Workspace", "Reusable scratch memory of a filter object.")
        .def(py::init<>())
        .def_property_readonly("nbytes", &jf::Workspace::bytes);

    m.def(
        "box_filter",
        [](const py::array& image, const py::array& out, int64_t radius, int border, jf::Workspace* ws) {
            const jf::ImageView src = view_of(image, "image", false);
            const jf::ImageView dst = view_of(out, "out", true);
            py::gil_scoped_release release;
            jf::box_filter(src, dst, radius, border_of(border), ws);
        },
        py::arg("image"), py::arg("out"), py::arg("radius"), py::arg("border"),
        py::arg("workspace") = nullptr);

    m.def(
        "guided_filter",
        [](const py::array& target, const py::array& guide, const py::array& out, int64_t radius, double eps,
           int border, int64_t subsample, jf::Workspace* ws) {
            const jf::ImageView t = view_of(target, "target", false);
            const jf::ImageView g = view_of(guide, "guide", false);
            const jf::ImageView d = view_of(out, "out", true);
            jf::GuidedParams p;
            p.radius = radius;
            p.eps = eps;
            p.border = border_of(border);
            p.subsample = subsample;
            py::gil_scoped_release release;
            jf::guided_filter(t, g, d, p, ws);
        },
        py::arg("target"), py::arg("guide"), py::arg("out"), py::arg("radius"), py::arg("eps"),
        py::arg("border"), py::arg("subsample"), py::arg("workspace") = nullptr);

    m.def("set_num_threads", &jf::set_num_threads, py::arg("n"));
    m.def("get_num_threads", &jf::get_num_threads);
    m.def("band_rows_for", &jf::band_rows_for, py::arg("height"), py::arg("radius"));
    m.def("kernel_isa", &jf::kernel_isa);

#ifdef JOINTFILTER_HAS_CUDA
    m.attr("has_cuda") = true;
    m.attr("cuda_architectures") = JOINTFILTER_CUDA_ARCHS;
    m.def("cuda_device_count", [] {
        std::string error;
        const int n = jf::cuda::device_count(&error);
        return py::make_tuple(n, error);
    });
    m.def("cuda_runtime_version", &jf::cuda::runtime_version);
#else
    m.attr("has_cuda") = false;
#endif
#ifdef JOINTFILTER_VERSION
    m.attr("__version__") = JOINTFILTER_VERSION;
#else
    m.attr("__version__") = "unknown";
#endif
#if defined(__clang__)
    m.attr("compiler") = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
    m.attr("compiler") = std::string("gcc ") + __VERSION__;
#else
    m.attr("compiler") = "unknown";
#endif
}
