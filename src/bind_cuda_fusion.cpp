// Bindings of the CUDA GFF and focus fusions (cuda/fusion.cu, cuda/fusion_focus.cu) and of their
// host emulations. Thin: the Python
// dispatcher (_cuda.fuse_guided_cuda) has validated the arguments; the C++ side re-checks what
// could crash the process.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "host_array.hpp"
#include "jointfilter/cuda_emulation.hpp"
#include "jointfilter/cuda_emulation_focus.hpp"
#ifdef JOINTFILTER_HAS_CUDA
#include "device_array.hpp"
#include "fusion_cuda.hpp"
#endif

namespace py = pybind11;
namespace jf = jointfilter;

namespace {

jf::sweep::FuseSettings settings(double ir_range, double vis_range, bool clip, int64_t r1, double eps1,
                                 int64_t r2, double eps2, int64_t base_radius, int64_t subsample) {
    jf::sweep::FuseSettings s;
    s.ir_range = ir_range;
    s.vis_range = vis_range;
    s.clip = clip;
    s.r1 = r1;
    s.eps1 = eps1;
    s.r2 = r2;
    s.eps2 = eps2;
    s.base_radius = base_radius;
    s.subsample = subsample;
    return s;
}

/// The focus fusion's settings from the bindings' flat arguments (fuse()'s names).
jf::sweep::FocusSettings focus_settings(double ir_range, double vis_range, bool clip, int measure,
                                        int64_t focus_radius, double threshold, int blend, int64_t radius,
                                        double eps, int64_t levels, bool match, double match_threshold,
                                        int64_t r1, double eps1, int64_t r2, double eps2, int64_t base_radius,
                                        int64_t subsample) {
    jf::sweep::FocusSettings s;
    s.gff = settings(ir_range, vis_range, clip, r1, eps1, r2, eps2, base_radius, subsample);
    s.measure = measure;
    s.focus_radius = focus_radius;
    s.threshold = threshold;
    s.blend = blend;
    s.radius = radius;
    s.eps = eps;
    s.levels = levels;
    s.match = match;
    s.match_threshold = match_threshold;
    return s;
}

#define JF_FOCUS_ARGS                                                                                  \
    double ir_range, double vis_range, bool clip, int measure, int64_t focus_radius, double threshold, \
        int blend, int64_t radius, double eps, int64_t levels, bool match, double match_threshold,     \
        int64_t r1, double eps1, int64_t r2, double eps2, int64_t base_radius, int64_t subsample
#define JF_FOCUS_VALUES                                                                             \
    ir_range, vis_range, clip, measure, focus_radius, threshold, blend, radius, eps, levels, match, \
        match_threshold, r1, eps1, r2, eps2, base_radius, subsample
#define JF_FOCUS_NAMES                                                                                       \
    py::arg("ir_range"), py::arg("vis_range"), py::arg("clip"), py::arg("measure"), py::arg("focus_radius"), \
        py::arg("threshold"), py::arg("blend"), py::arg("radius"), py::arg("eps"), py::arg("levels"),        \
        py::arg("match"), py::arg("match_threshold"), py::arg("r1"), py::arg("eps1"), py::arg("r2"),         \
        py::arg("eps2"), py::arg("base_radius"), py::arg("subsample")

}  // namespace

void bind_cuda_fusion(py::module_& m) {
    m.def(
        "cuda_emulated_fuse_guided",
        [](const py::array& ir, const py::array& vis, const py::array& out, const std::vector<float>& kernel,
           double ir_range, double vis_range, bool clip, int64_t r1, double eps1, int64_t r2, double eps2,
           int64_t base_radius, int64_t subsample) {
            const jf::ImageView i = jf::view_of(ir, "infrared", false),
                                v = jf::view_of(vis, "visible", false), o = jf::view_of(out, "out", true);
            const jf::sweep::FuseSettings s =
                settings(ir_range, vis_range, clip, r1, eps1, r2, eps2, base_radius, subsample);
            py::gil_scoped_release release;
            jf::emulate_cuda_fuse_guided(i, v, o, s, kernel);
        },
        "The CUDA GFF fusion's per-thread code run over its launch grids on the CPU (tests).",
        py::arg("infrared"), py::arg("visible"), py::arg("out"), py::arg("kernel"), py::arg("ir_range"),
        py::arg("vis_range"), py::arg("clip"), py::arg("r1"), py::arg("eps1"), py::arg("r2"), py::arg("eps2"),
        py::arg("base_radius"), py::arg("subsample"));
    m.def(
        "cuda_emulated_fuse_focus",
        [](const py::array& ir, const py::array& vis, const py::array& out, JF_FOCUS_ARGS) {
            const jf::ImageView i = jf::view_of(ir, "infrared", false),
                                v = jf::view_of(vis, "visible", false), o = jf::view_of(out, "out", true);
            const jf::sweep::FocusSettings s = focus_settings(JF_FOCUS_VALUES);
            py::gil_scoped_release release;
            jf::emulate_cuda_fuse_focus(i, v, o, s);
        },
        "The CUDA focus fusion's per-thread code run over its launch grids on the CPU (tests). "
        "measure: 0 sml, 1 eol, 2 tenengrad, 3 variance; blend: 0 pyramid, 1 two_scale, 2 weighted.",
        py::arg("infrared"), py::arg("visible"), py::arg("out"), JF_FOCUS_NAMES);
    m.def(
        "cuda_emulated_pyramid_step",
        [](const py::array& src, const py::array& out, bool expand) {
            const jf::ImageView s = jf::view_of(src, "image", false), o = jf::view_of(out, "out", true);
            py::gil_scoped_release release;
            expand ? jf::emulate_cuda_pyramid_expand(s, o) : jf::emulate_cuda_pyramid_reduce(s, o);
        },
        "One reduction (expand=False) or expansion of the CUDA pyramid, emulated (tests).", py::arg("image"),
        py::arg("out"), py::arg("expand"));
    m.def(
        "cuda_emulated_pyramid_blend",
        [](const py::array& a, const py::array& b, const py::array& w, int64_t levels, bool match,
           double threshold, const py::array& out) {
            const jf::ImageView pa = jf::view_of(a, "a", false), pb = jf::view_of(b, "b", false),
                                pw = jf::view_of(w, "w", false), o = jf::view_of(out, "out", true);
            py::gil_scoped_release release;
            jf::emulate_cuda_pyramid_blend(pa, pb, pw, levels, match, threshold, o);
        },
        "The CUDA Laplacian-pyramid blend, emulated (tests).", py::arg("a"), py::arg("b"), py::arg("w"),
        py::arg("levels"), py::arg("match"), py::arg("threshold"), py::arg("out"));
#ifdef JOINTFILTER_HAS_CUDA
    m.def(
        "cuda_fuse_focus",
        [](const jf::DeviceArray& ir, const jf::DeviceArray& vis, const jf::DeviceArray& out, JF_FOCUS_ARGS,
           uintptr_t stream) {
            const jf::sweep::Image i = jf::device_image(ir), v = jf::device_image(vis),
                                   o = jf::device_image(out);
            const jf::sweep::FocusSettings s = focus_settings(JF_FOCUS_VALUES);
            jf::check_focus_arguments(i, v, o, s);
            if (v.height == 0 || v.width == 0) return;
            const jf::sweep::HostFocusPlan plan = jf::make_focus_plan(v.height, v.width, s);
            py::gil_scoped_release release;
            jf::cuda::fuse_focus(i, v, o, plan, s, stream);
        },
        py::arg("infrared"), py::arg("visible"), py::arg("out"), JF_FOCUS_NAMES, py::arg("stream"));
    m.def(
        "cuda_fuse_guided",
        [](const jf::DeviceArray& ir, const jf::DeviceArray& vis, const jf::DeviceArray& out,
           const std::vector<float>& kernel, double ir_range, double vis_range, bool clip, int64_t r1,
           double eps1, int64_t r2, double eps2, int64_t base_radius, int64_t subsample, uintptr_t stream) {
            const jf::sweep::Image i = jf::device_image(ir), v = jf::device_image(vis),
                                   o = jf::device_image(out);
            const jf::sweep::FuseSettings s =
                settings(ir_range, vis_range, clip, r1, eps1, r2, eps2, base_radius, subsample);
            jf::check_fuse_arguments(i, v, o, s, kernel);
            if (v.height == 0 || v.width == 0) return;
            const jf::sweep::HostFusePlan plan = jf::make_fuse_plan(v.height, v.width, s, kernel);
            py::gil_scoped_release release;
            jf::cuda::fuse_guided(i, v, o, plan, s, stream);
        },
        py::arg("infrared"), py::arg("visible"), py::arg("out"), py::arg("kernel"), py::arg("ir_range"),
        py::arg("vis_range"), py::arg("clip"), py::arg("r1"), py::arg("eps1"), py::arg("r2"), py::arg("eps2"),
        py::arg("base_radius"), py::arg("subsample"), py::arg("stream"));
#endif
}

#undef JF_FOCUS_ARGS
#undef JF_FOCUS_VALUES
#undef JF_FOCUS_NAMES
