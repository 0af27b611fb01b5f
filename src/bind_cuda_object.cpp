// Bindings of the CUDA min/max filter and of the GPU GuidedFilter's device workspace (kept out
// of bindings.cpp, which stays the CPU-first module body). Thin: shape checks that could crash
// the process if wrong, GIL release; the Python layer (_cuda.py) has validated the arguments.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "jointfilter/cuda_emulation.hpp"
#ifdef JOINTFILTER_HAS_CUDA
#include "device_array.hpp"
#include "guided_cuda.hpp"
#include "minmax_cuda.hpp"
#endif

namespace py = pybind11;
namespace jf = jointfilter;

#ifdef JOINTFILTER_HAS_CUDA
namespace {

jf::Border checked_border(int b) {
    JF_CHECK(b >= 0 && b <= 3, "border code out of range");
    return static_cast<jf::Border>(b);
}

void min_max_filter(const jf::DeviceArray& image, const jf::DeviceArray& out, int64_t radius, int border,
                    bool maximum, uintptr_t stream) {
    const jf::sweep::Image s = jf::device_image(image), d = jf::device_image(out);
    JF_CHECK(s.channels >= 1, "image must have at least one channel");
    JF_CHECK(d.height == s.height && d.width == s.width && d.channels == s.channels && d.dtype == s.dtype,
             "out must have the shape and dtype of image");
    JF_CHECK(radius >= 0, "radius must be >= 0");
    if (s.height == 0 || s.width == 0) return;
    const jf::Border b = checked_border(border);
    // as minmax_filter.cpp: a window covering the whole line covers every value
    const int64_t r_y = radius < s.height ? radius : s.height;
    const int64_t r_x = radius < s.width ? radius : s.width;
    const std::vector<int64_t> row_map = jf::make_padded_map(s.height, r_y, b);
    const std::vector<int64_t> col_map = jf::make_padded_map(s.width, r_x, b);
    py::gil_scoped_release release;
    jf::cuda::minmax_filter(s, d, row_map, col_map, r_y, r_x, maximum, stream);
}

std::unique_ptr<jf::cuda::GuidedWorkspace> make_workspace(int64_t height, int64_t width,
                                                          int64_t guide_channels, int64_t target_channels,
                                                          int64_t radius, int border, int64_t subsample,
                                                          int decimation) {
    JF_CHECK(height > 0 && width > 0, "a GPU workspace needs a non-empty shape");
    JF_CHECK(guide_channels == 1 || guide_channels == 3, "guide must have 1 or 3 channels");
    JF_CHECK(target_channels >= 1 && target_channels <= 4, "target must have 1 to 4 channels");
    JF_CHECK(radius >= 0 && subsample >= 1, "radius must be >= 0 and subsample >= 1");
    const jf::sweep::HostGuidedPlan plan =
        jf::make_guided_plan(height, width, guide_channels, target_channels, radius, checked_border(border),
                             subsample, static_cast<jf::Decimation>(decimation));  // checked there
    return std::unique_ptr<jf::cuda::GuidedWorkspace>(new jf::cuda::GuidedWorkspace(plan));
}

void run_workspace(jf::cuda::GuidedWorkspace& ws, const jf::DeviceArray& target, const jf::DeviceArray& guide,
                   const jf::DeviceArray& out, double eps, uintptr_t stream) {
    const jf::sweep::Image t = jf::device_image(target), g = jf::device_image(guide),
                           d = jf::device_image(out);
    const jf::sweep::HostGuidedPlan& plan = ws.plan();
    JF_CHECK(t.height == plan.h && t.width == plan.w && t.channels == plan.ct,
             "target does not have the workspace's shape");
    JF_CHECK(g.height == plan.h && g.width == plan.w && g.channels == plan.cg,
             "guide does not have the workspace's shape");
    JF_CHECK(d.height == plan.h && d.width == plan.w && d.channels == plan.ct,
             "out does not have the workspace's shape");
    JF_CHECK(eps > 0.0, "eps must be > 0");
    py::gil_scoped_release release;
    ws.run(t, g, d, eps, stream);
}

}  // namespace
#endif

void bind_cuda_object(py::module_& m) {
#ifdef JOINTFILTER_HAS_CUDA
    m.def("cuda_min_max_filter", &min_max_filter, py::arg("image"), py::arg("out"), py::arg("radius"),
          py::arg("border"), py::arg("maximum"), py::arg("stream"));
    py::class_<jf::cuda::GuidedWorkspace>(m, "CudaGuidedWorkspace",
                                          "Device buffers and stream of a GPU GuidedFilter (allocated once).")
        .def(py::init(&make_workspace), py::arg("height"), py::arg("width"), py::arg("guide_channels"),
             py::arg("target_channels"), py::arg("radius"), py::arg("border"), py::arg("subsample"),
             py::arg("decimation") = 0)
        .def("run", &run_workspace, py::arg("target"), py::arg("guide"), py::arg("out"), py::arg("eps"),
             py::arg("stream"))
        .def_property_readonly("nbytes", &jf::cuda::GuidedWorkspace::nbytes)
        .def_property_readonly("stream", &jf::cuda::GuidedWorkspace::stream);
#else
    (void)m;
#endif
}
