// Bindings of the CUDA GFF fusion (cuda/fusion.cu) and of its host emulation. Thin: the Python
// dispatcher (_cuda.fuse_guided_cuda) has validated the arguments; the C++ side re-checks what
// could crash the process.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "host_array.hpp"
#include "jointfilter/cuda_emulation.hpp"
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
#ifdef JOINTFILTER_HAS_CUDA
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
