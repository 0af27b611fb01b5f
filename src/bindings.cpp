// pybind11 bindings: array conversion, cheap invariant checks, GIL release, error translation.
// No arithmetic here: the Python layer (_validate.py) has already checked arguments and made
// arrays acceptable; this file re-checks what could crash the process if it were wrong.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <tuple>

#include "host_array.hpp"
#include "jointfilter/cuda_emulation.hpp"
#include "jointfilter/guided_filter.hpp"
#include "jointfilter/kernel_job.hpp"
#include "jointfilter/minmax_filter.hpp"
#ifdef JOINTFILTER_HAS_CUDA
#include "device.hpp"
#include "device_array.hpp"
#include "guided_cuda.hpp"
#endif
#include "jointfilter/parallel.hpp"

namespace py = pybind11;
namespace jf = jointfilter;

void bind_fusion(py::module_& m);  // src/bind_fusion.cpp

void bind_cuda_object(py::module_& m);  // bind_cuda_object.cpp
void bind_cuda_fusion(py::module_& m);  // src/bind_cuda_fusion.cpp

void bind_mutual(py::module_& m);   // src/bind_mutual.cpp
void bind_restore(py::module_& m);  // src/bind_restore.cpp

using jf::dtype_of;
using jf::view_of;

namespace {

jf::Border border_of(int b) {
    JF_CHECK(b >= 0 && b <= 3, "border code out of range");
    return static_cast<jf::Border>(b);
}

jf::GuidedParams guided_params(int64_t radius, double eps, int border, int64_t subsample, bool single = false,
                               int decimation = 0) {
    jf::GuidedParams p;
    p.single = single;
    p.radius = radius;
    p.eps = eps;
    p.border = border_of(border);
    p.subsample = subsample;
    p.decimation = static_cast<jf::Decimation>(decimation);  // checked by check_guided_arguments
    return p;
}

#ifdef JOINTFILTER_HAS_CUDA
using jf::device_image;
using jf::DeviceArray;
#endif

}  // namespace

PYBIND11_MODULE(_core, m, py::mod_gil_not_used()) {
    m.doc() = "jointfilter compiled core (private; use the jointfilter package)";

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const jf::nonfinite_input& e) {
            py::object cls = py::module_::import("jointfilter.errors").attr("NonFiniteError");
            PyErr_SetString(cls.ptr(), e.what());
#ifdef JOINTFILTER_HAS_CUDA
        } catch (const jf::cuda::cuda_error& e) {
            py::object cls = py::module_::import("jointfilter.errors").attr("CudaError");
            PyErr_SetString(cls.ptr(), e.what());
#endif
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
        "local_variance",
        [](const py::array& image, const py::array& out, int64_t radius, int border) {
            const jf::ImageView src = view_of(image, "image", false);
            const jf::ImageView dst = view_of(out, "out", true);
            py::gil_scoped_release release;
            jf::local_variance(src, dst, radius, border_of(border));
        },
        py::arg("image"), py::arg("out"), py::arg("radius"), py::arg("border"));

    m.def(
        "guided_filter",
        [](const py::array& target, const py::array& guide, const py::array& out, int64_t radius, double eps,
           int border, int64_t subsample, jf::Workspace* ws, bool single,
           const std::optional<py::array>& eps_map, const std::optional<py::array>& gamma_map,
           const std::optional<py::array>& apply_guide, int decimation) {
            const jf::ImageView t = view_of(target, "target", false);
            const jf::ImageView g = view_of(guide, "guide", false);
            const jf::ImageView d = view_of(out, "out", true);
            jf::GuidedParams p = guided_params(radius, eps, border, subsample, single, decimation);
            if (eps_map) p.eps_map = view_of(*eps_map, "eps_map", false);
            if (gamma_map) p.gamma_map = view_of(*gamma_map, "gamma_map", false);
            if (apply_guide) p.apply_guide = view_of(*apply_guide, "apply_guide", false);
            py::gil_scoped_release release;
            jf::guided_filter(t, g, d, p, ws);
        },
        py::arg("target"), py::arg("guide"), py::arg("out"), py::arg("radius"), py::arg("eps"),
        py::arg("border"), py::arg("subsample"), py::arg("workspace") = nullptr, py::arg("single") = false,
        py::arg("eps_map") = py::none(), py::arg("gamma_map") = py::none(),
        py::arg("apply_guide") = py::none(), py::arg("decimation") = 0);

    m.def(
        "guided_coefficients",
        [](const py::array& target, const py::array& guide, py::array_t<double, py::array::c_style>& coef,
           int64_t radius, double eps, int border, bool single) {
            const jf::ImageView t = view_of(target, "target", false);
            const jf::ImageView g = view_of(guide, "guide", false);
            const int64_t k = jf::coefficient_count(g.channels, t.channels);
            double* c = jf::coefficient_grid(coef, "coef", t.height, k, t.width, true);
            const jf::GuidedParams p = guided_params(radius, eps, border, 1, single, 0);
            py::gil_scoped_release release;
            jf::guided_coefficients(t, g, c, p);
        },
        "Mean coefficients of the guided filter into coef (H, Ct * (Cg + 1), W) (row-planar): per target "
        "channel mean(a_0) .. mean(a_{Cg-1}), mean(b).",
        py::arg("target"), py::arg("guide"), py::arg("coef"), py::arg("radius"), py::arg("eps"),
        py::arg("border"), py::arg("single") = false);

    m.def(
        "apply_coefficients",
        [](const py::array_t<double, py::array::c_style>& coef, const py::array& guide, const py::array& out,
           bool single) {
            const jf::ImageView g = view_of(guide, "guide", false);
            const jf::ImageView d = view_of(out, "out", true);
            const int64_t k = jf::coefficient_count(g.channels, d.channels);
            const double* c = jf::coefficient_grid(coef, "coef", -1, k, -1, false);
            py::gil_scoped_release release;
            jf::apply_coefficients(c, coef.shape(0), coef.shape(2), g, d, single);
        },
        "out = up(mean a) . guide + up(mean b): coefficients (h, Ct * (Cg + 1), w) upsampled bilinearly "
        "to the guide's size and applied.",
        py::arg("coef"), py::arg("guide"), py::arg("out"), py::arg("single") = false);

    m.def(
        "decimate_mean",
        [](const py::array& image, int64_t subsample, const py::array& out) {
            const jf::ImageView s = view_of(image, "image", false), d = view_of(out, "out", true);
            py::gil_scoped_release release;
            jf::decimate_mean(s, subsample, d);
        },
        "float32 means of subsample x subsample blocks into out (ceil(H / s), ceil(W / s)[, C]).",
        py::arg("image"), py::arg("subsample"), py::arg("out"));

    m.def(
        "minmax_filter",
        [](const py::array& image, const py::array& out, int64_t radius, int border, bool maximum) {
            const jf::ImageView src = view_of(image, "image", false);
            const jf::ImageView dst = view_of(out, "out", true);
            py::gil_scoped_release release;
            jf::minmax_filter(src, dst, radius, border_of(border),
                              maximum ? jf::Extremum::max : jf::Extremum::min);
        },
        py::arg("image"), py::arg("out"), py::arg("radius"), py::arg("border"), py::arg("maximum"));

    m.def(
        "cuda_emulated_guided_filter",
        [](const py::array& target, const py::array& guide, const py::array& out, int64_t radius, double eps,
           int border, int64_t subsample, int decimation) {
            const jf::ImageView t = view_of(target, "target", false);
            const jf::ImageView g = view_of(guide, "guide", false);
            const jf::ImageView d = view_of(out, "out", true);
            const jf::GuidedParams p = guided_params(radius, eps, border, subsample, false, decimation);
            py::gil_scoped_release release;
            jf::emulate_cuda_guided_filter(t, g, d, p);
        },
        "The CUDA guided filter's per-thread code run over its launch grid on the CPU (tests).",
        py::arg("target"), py::arg("guide"), py::arg("out"), py::arg("radius"), py::arg("eps"),
        py::arg("border"), py::arg("subsample") = 1, py::arg("decimation") = 0);

    m.def(
        "cuda_emulated_min_max_filter",
        [](const py::array& image, const py::array& out, int64_t radius, int border, bool maximum) {
            const jf::ImageView src = view_of(image, "image", false);
            const jf::ImageView dst = view_of(out, "out", true);
            const jf::Border b = border_of(border);
            py::gil_scoped_release release;
            jf::emulate_cuda_minmax_filter(src, dst, radius, b,
                                           maximum ? jf::Extremum::max : jf::Extremum::min);
        },
        "The CUDA min/max filter's per-thread code run over its launch grid on the CPU (tests).",
        py::arg("image"), py::arg("out"), py::arg("radius"), py::arg("border"), py::arg("maximum"));

    m.def(
        "cuda_emulated_box_filter",
        [](const py::array& image, const py::array& out, int64_t radius, int border) {
            const jf::ImageView src = view_of(image, "image", false);
            const jf::ImageView dst = view_of(out, "out", true);
            const jf::Border b = border_of(border);
            py::gil_scoped_release release;
            jf::emulate_cuda_box_filter(src, dst, radius, b);
        },
        "The CUDA box filter's per-thread code run over its launch grid on the CPU (tests).",
        py::arg("image"), py::arg("out"), py::arg("radius"), py::arg("border"));

    bind_fusion(m);
    bind_mutual(m);
    bind_restore(m);
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
    m.def(
        "cuda_guided_filter",
        [](const DeviceArray& target, const DeviceArray& guide, const DeviceArray& out, int64_t radius,
           double eps, int border, uintptr_t stream, int64_t subsample, int decimation) {
            const jf::sweep::Image t = device_image(target), g = device_image(guide), d = device_image(out);
            JF_CHECK(g.channels == 1 || g.channels == 3, "guide must have 1 or 3 channels");
            JF_CHECK(t.channels >= 1 && t.channels <= 4, "target must have 1 to 4 channels");
            JF_CHECK(g.height == t.height && g.width == t.width && d.height == t.height &&
                         d.width == t.width && d.channels == t.channels,
                     "target, guide and out must have the same height and width");
            JF_CHECK(radius >= 0 && eps > 0.0, "radius must be >= 0 and eps > 0");
            JF_CHECK(subsample >= 1, "subsample must be >= 1");
            if (t.height == 0 || t.width == 0) return;
            const jf::sweep::HostGuidedPlan plan =
                jf::make_guided_plan(t.height, t.width, g.channels, t.channels, radius, border_of(border),
                                     subsample, static_cast<jf::Decimation>(decimation));  // checked there
            py::gil_scoped_release release;
            jf::cuda::guided_filter(t, g, d, plan, eps, stream);
        },
        py::arg("target"), py::arg("guide"), py::arg("out"), py::arg("radius"), py::arg("eps"),
        py::arg("border"), py::arg("stream"), py::arg("subsample") = 1, py::arg("decimation") = 0);
    m.def(
        "cuda_box_filter",
        [](const DeviceArray& image, const DeviceArray& out, int64_t radius, int border, uintptr_t stream) {
            const jf::sweep::Image s = device_image(image), d = device_image(out);
            JF_CHECK(s.channels >= 1 && s.channels <= 4, "image must have 1 to 4 channels");
            JF_CHECK(d.height == s.height && d.width == s.width && d.channels == s.channels,
                     "out must have the shape of image");
            JF_CHECK(radius >= 0, "radius must be >= 0");
            if (s.height == 0 || s.width == 0) return;
            const jf::Border b = border_of(border);
            const jf::sweep::HostAxis rows = jf::make_host_axis(s.height, radius, b);
            const jf::sweep::HostAxis cols = jf::make_host_axis(s.width, radius, b);
            py::gil_scoped_release release;
            jf::cuda::box_filter(s, d, rows, cols, stream);
        },
        py::arg("image"), py::arg("out"), py::arg("radius"), py::arg("border"), py::arg("stream"));
#else
    m.attr("has_cuda") = false;
#endif
    bind_cuda_object(m);
    bind_cuda_fusion(m);
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
