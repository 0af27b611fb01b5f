// pybind11 bindings of the restore steps (cpp/jointfilter/restore_steps.hpp): array views,
// invariant checks, GIL release. The Python layer (jointfilter.restoration) validates the
// arguments and allocates the outputs; exceptions are translated by the handler registered in
// bindings.cpp.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "host_array.hpp"
#include "jointfilter/iterative_guided.hpp"
#include "jointfilter/restore_steps.hpp"

namespace py = pybind11;
namespace jf = jointfilter;
namespace rs = jointfilter::restore;

namespace {

using F64 = py::array_t<double, py::array::c_style>;
using F32 = py::array_t<float, py::array::c_style>;

/// A writable C-contiguous float64 array of shape (rows, cols).
double* f64_out(F64& a, const char* name, int64_t rows, int64_t cols) {
    JF_CHECK(a.ndim() == 2 && a.shape(0) == rows && a.shape(1) == cols,
             std::string(name) + ": expected a C-contiguous float64 array of shape (" + std::to_string(rows) +
                 ", " + std::to_string(cols) + ")");
    JF_CHECK(a.writeable(), std::string(name) + ": array is read-only");
    return a.mutable_data();
}

/// The values of a float32 vector with one value per channel.
const float* per_channel(const F32& a, const char* name, int64_t channels) {
    JF_CHECK(a.ndim() == 1 && a.shape(0) == channels,
             std::string(name) + ": expected a float32 vector with one value per channel");
    return a.data();
}

}  // namespace

void bind_restore(py::module_& m) {
    m.def(
        "restore_coarse_iterative",
        [](const py::array& ambient, const py::array& flash, const F64& mix, F64& coef, int64_t radius,
           double eps, bool single, int64_t n_diffusion, int64_t n_residual, int64_t relight_radius,
           int64_t blend_radius, double noise_var, double scale) {
            const auto a = jf::view_of(ambient, "ambient", false), f = jf::view_of(flash, "flash", false);
            JF_CHECK(mix.ndim() == 2 && mix.shape(0) == a.channels && mix.shape(1) == f.channels,
                     "mix: expected a float64 array of shape (C, Cg)");
            const double* m_ = mix.data();
            const int64_t k = a.channels * (f.channels + 1);
            double* c = jf::coefficient_grid(coef, "coef", a.height, k, a.width, true);
            jf::CoarseIterativeParams p;
            p.radius = radius;
            p.eps = eps;
            p.single = single;
            p.n_diffusion = n_diffusion;
            p.n_residual = n_residual;
            p.relight_radius = relight_radius;
            p.blend_radius = blend_radius;
            p.noise_var = noise_var;
            p.scale = scale;
            py::gil_scoped_release release;
            jf::coarse_iterative_coefficients(a, f, m_, p, c);
        },
        "The blended coefficient field (h, C * (Cg + 1), w) of the coarse-grid iterative guided filter "
        "(iterative_guided.hpp), multiplied by scale.",
        py::arg("ambient"), py::arg("flash"), py::arg("mix"), py::arg("coef"), py::arg("radius"),
        py::arg("eps"), py::arg("single"), py::arg("n_diffusion"), py::arg("n_residual"),
        py::arg("relight_radius"), py::arg("blend_radius"), py::arg("noise_var"), py::arg("scale"));
    m.def(
        "restore_from_unit",
        [](const py::array& image, const py::array& out, double scale, bool parallel) {
            const auto s = jf::view_of(image, "image", false), d = jf::view_of(out, "out", true);
            py::gil_scoped_release release;
            rs::from_unit(s, static_cast<float>(scale), d, parallel);
        },
        "out = image (float32, [0, 1] units) * float32(scale) in out's dtype (uint8 / uint16: NaN -> 0, "
        "saturated, rounded half to even). parallel=False stays on the calling thread.",
        py::arg("image"), py::arg("out"), py::arg("scale"), py::arg("parallel") = true);
    m.def(
        "restore_add_detail",
        [](const py::array& base, const py::array& luma, const py::array& smooth, const F32& gain,
           double scale, const py::array& out) {
            const auto b = jf::view_of(base, "image", false), l = jf::view_of(luma, "luma", false),
                       s = jf::view_of(smooth, "smooth", false), d = jf::view_of(out, "out", true);
            const float* g = per_channel(gain, "gain", b.channels);
            py::gil_scoped_release release;
            rs::add_detail(b, l, s, g, static_cast<float>(scale), d);
        },
        "out = from_unit(image + (luma - smooth) * gain[c], scale) (structure_transfer; out may be image).",
        py::arg("image"), py::arg("luma"), py::arg("smooth"), py::arg("gain"), py::arg("scale"),
        py::arg("out"));
    m.def(
        "restore_ratio_detail",
        [](const py::array& base, const py::array& detail, const py::array& smooth, double delta,
           double scale, const py::array& out) {
            const auto b = jf::view_of(base, "image", false), g = jf::view_of(detail, "detail", false),
                       s = jf::view_of(smooth, "smooth", false), d = jf::view_of(out, "out", true);
            py::gil_scoped_release release;
            rs::ratio_detail(b, g, s, static_cast<float>(delta), static_cast<float>(scale), d);
        },
        "out = from_unit(image * (detail + delta) / (max(smooth, 0) + delta), scale) (day_night, strength "
        "1).",
        py::arg("image"), py::arg("detail"), py::arg("smooth"), py::arg("delta"), py::arg("scale"),
        py::arg("out"));
    m.def(
        "restore_dehaze_recover",
        [](const py::array& rgb, const py::array& trans, const F32& air, double t0, double scale,
           const py::array& out) {
            const auto x = jf::view_of(rgb, "image", false), t = jf::view_of(trans, "trans", false),
                       d = jf::view_of(out, "out", true);
            const float* a = per_channel(air, "air", x.channels);
            py::gil_scoped_release release;
            rs::dehaze_recover(x, t, a, static_cast<float>(t0), static_cast<float>(scale), d);
        },
        "out = from_unit((image - air[c]) / max(trans, t0) + air[c], scale) (nir_dehaze).", py::arg("image"),
        py::arg("trans"), py::arg("air"), py::arg("t0"), py::arg("scale"), py::arg("out"));
    m.def(
        "restore_channel_min",
        [](const py::array& image, const py::object& scale, const py::array& out) {
            const auto x = jf::view_of(image, "image", false), d = jf::view_of(out, "out", true);
            F32 sc;
            const float* s = nullptr;
            if (!scale.is_none()) {
                JF_CHECK(py::isinstance<F32>(scale), "scale: expected a float32 vector or None");
                sc = py::reinterpret_borrow<F32>(scale);
                s = per_channel(sc, "scale", x.channels);
            }
            py::gil_scoped_release release;
            rs::channel_min(x, s, d);
        },
        "out = the minimum over the channels of image (of image / scale per channel when given).",
        py::arg("image"), py::arg("scale"), py::arg("out"));
    m.def(
        "restore_luma",
        [](const py::array& image, const py::array& out) {
            const auto x = jf::view_of(image, "image", false), d = jf::view_of(out, "out", true);
            py::gil_scoped_release release;
            rs::luma(x, d);
        },
        "out = (0.299 r + 0.587 g) + 0.114 b of the first three channels of image (float32).",
        py::arg("image"), py::arg("out"));
    m.def(
        "restore_laplacian_abs_sum",
        [](const py::array& image) {
            const auto s = jf::view_of(image, "image", false);
            py::gil_scoped_release release;
            return rs::laplacian_abs_sum(s);
        },
        "Immerkaer's sum of |[1,-2,1]^T [1,-2,1] * image| over the interior, every channel; uint8 / uint16, "
        "exact.",
        py::arg("image"));
    m.def(
        "restore_gain_moments",
        [](const py::array& target, const py::array& smooth, const F32& mx, double ms, int64_t r0, int64_t r1,
           int64_t block_rows, F64& acc, F64& acc_s) {
            const auto t = jf::view_of(target, "target", false), s = jf::view_of(smooth, "smooth", false);
            const int64_t n = t.width * t.channels;
            JF_CHECK(mx.ndim() == 1 && mx.shape(0) == n, "mx: expected a float32 vector of length W * C");
            double* a = f64_out(acc, "acc", 3, n);
            double* as = f64_out(acc_s, "acc_s", 2, t.width);
            const float* pm = mx.data();
            py::gil_scoped_release release;
            rs::gain_moments(t, s, pm, static_cast<float>(ms), r0, r1, block_rows, a, as);
        },
        "Adds the structure_transfer gain moments of rows [r0, r1) to acc (3, W*C) and acc_s (2, W).",
        py::arg("target"), py::arg("smooth"), py::arg("mx"), py::arg("ms"), py::arg("r0"), py::arg("r1"),
        py::arg("block_rows"), py::arg("acc"), py::arg("acc_s"));
}
