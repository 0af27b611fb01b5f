// pybind11 bindings of the fusion steps (cpp/jointfilter/fusion.hpp): array views, invariant
// checks, GIL release. The Python layer (jointfilter.fusion) validates arguments and allocates
// the outputs; exceptions are translated by the handler registered in bindings.cpp.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "host_array.hpp"
#include "jointfilter/fusion.hpp"

namespace py = pybind11;
namespace jf = jointfilter;
namespace fu = jointfilter::fusion;

namespace {

jf::ImageView in(const py::array& a, const char* name) { return jf::view_of(a, name, false); }
jf::ImageView out(const py::array& a, const char* name) { return jf::view_of(a, name, true); }

/// Stencil outputs must not overlap their inputs (a neighbour would be read after its write).
void no_overlap(const py::array& dst, const py::array& src, const char* name) {
    if (dst.nbytes() == 0 || src.nbytes() == 0) return;
    const auto* d0 = static_cast<const char*>(dst.data());
    const auto* s0 = static_cast<const char*>(src.data());
    const auto span = [](const py::array& a) {
        py::ssize_t n = a.itemsize();
        for (py::ssize_t i = 0; i < a.ndim(); ++i) n += (a.shape(i) - 1) * a.strides(i);
        return n;
    };
    const bool disjoint = d0 + span(dst) <= s0 || s0 + span(src) <= d0;
    JF_CHECK(disjoint, std::string("out must not overlap ") + name);
}

std::vector<float> kernel_of(const py::array_t<float, py::array::c_style | py::array::forcecast>& k) {
    JF_CHECK(k.ndim() == 1 && k.size() % 2 == 1, "kernel: expected a 1-D array of odd length");
    return std::vector<float>(k.data(), k.data() + k.size());
}

jf::Border border_of(int b) {
    JF_CHECK(b >= 1 && b <= 3, "border code must be 1 (symmetric), 2 (reflect) or 3 (edge)");
    return static_cast<jf::Border>(b);
}

}  // namespace

void bind_fusion(py::module_& m) {
    using A = const py::array&;
    m.def(
        "scratch_empty",
        [](const std::vector<py::ssize_t>& shape) {
            size_t n = 1;
            for (const py::ssize_t d : shape) {
                JF_CHECK(d >= 0, "shape: negative size");
                n *= static_cast<size_t>(d);
            }
            struct Owned {
                float* data;
                size_t capacity;
            };
            auto* owned = new Owned{nullptr, 0};
            owned->data = fu::scratch_take(n, &owned->capacity);
            // the capsule gives the buffer back to the pool when the array is freed
            py::capsule owner(owned, [](void* p) {
                auto* o = static_cast<Owned*>(p);
                fu::scratch_give(o->data, o->capacity);
                delete o;
            });
            float* data = owned->data;
            return py::array_t<float>(shape, data, owner);
        },
        "An uninitialised C-contiguous float32 array whose memory comes from (and returns to) the "
        "scratch pool.",
        py::arg("shape"));
    m.def("scratch_bytes", &fu::scratch_pooled_bytes, "Bytes kept by the scratch pool.");
    m.def("release_scratch", &fu::scratch_release, "Free the buffers the scratch pool keeps.");
    m.def("scratch_limit", &fu::scratch_limit, "Most bytes the scratch pool keeps.");
    m.def("set_scratch_limit", &fu::set_scratch_limit,
          "Set the scratch pool's limit (frees what exceeds it).", py::arg("nbytes"));
    m.def(
        "fusion_to_unit",
        [](A image, double scale, A o) {
            const auto s = in(image, "image"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::to_unit(s, scale, d);
        },
        py::arg("image"), py::arg("scale"), py::arg("out"));
    m.def(
        "fusion_rgb_to_ycbcr",
        [](A image, double scale, A y, A cb, A cr) {
            const auto s = in(image, "image"), vy = out(y, "y"), vb = out(cb, "cb"), vr = out(cr, "cr");
            py::gil_scoped_release release;
            fu::rgb_to_ycbcr(s, scale, vy, vb, vr);
        },
        py::arg("image"), py::arg("scale"), py::arg("y"), py::arg("cb"), py::arg("cr"));
    m.def(
        "fusion_ycbcr_to_rgb",
        [](A y, A cb, A cr, A o, double data_range, bool clip) {
            const auto vy = in(y, "y"), vb = in(cb, "cb"), vr = in(cr, "cr"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::ycbcr_to_rgb(vy, vb, vr, d, data_range, clip);
        },
        py::arg("y"), py::arg("cb"), py::arg("cr"), py::arg("out"), py::arg("data_range"), py::arg("clip"));
    m.def(
        "fusion_from_unit",
        [](A image, A o, double data_range, bool clip) {
            const auto s = in(image, "image"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::from_unit(s, d, data_range, clip);
        },
        py::arg("image"), py::arg("out"), py::arg("data_range"), py::arg("clip"));
    m.def(
        "fusion_convolve_sep",
        [](A image, const py::array_t<float, py::array::c_style | py::array::forcecast>& kernel, int border,
           A o) {
            no_overlap(o, image, "image");
            const auto s = in(image, "image"), d = out(o, "out");
            const auto k = kernel_of(kernel);
            const auto b = border_of(border);
            py::gil_scoped_release release;
            fu::convolve_sep(s, d, k, b);
        },
        py::arg("image"), py::arg("kernel"), py::arg("border"), py::arg("out"));
    m.def(
        "fusion_saliency",
        [](A image, const py::array_t<float, py::array::c_style | py::array::forcecast>& kernel, A o) {
            no_overlap(o, image, "image");
            const auto s = in(image, "image"), d = out(o, "out");
            const auto k = kernel_of(kernel);
            py::gil_scoped_release release;
            fu::saliency(s, d, k);
        },
        py::arg("image"), py::arg("kernel"), py::arg("out"));
    m.def(
        "fusion_max_selection",
        [](A s0, A s1, A p0, A p1) {
            const auto a = in(s0, "s0"), b = in(s1, "s1"), c = out(p0, "p0"), d = out(p1, "p1");
            py::gil_scoped_release release;
            fu::max_selection(a, b, c, d);
        },
        py::arg("s0"), py::arg("s1"), py::arg("p0"), py::arg("p1"));
    m.def(
        "fusion_normalise_weights",
        [](A w0, const py::object& w1, A out0, A out1) {
            const auto a = in(w0, "w0"), c = out(out0, "out0"), d = out(out1, "out1");
            jf::ImageView b;  // data == nullptr: the complement 1 - clip(w0)
            if (!w1.is_none()) b = in(w1.cast<py::array>(), "w1");
            py::gil_scoped_release release;
            fu::normalise_weights(a, b, c, d);
        },
        "Two-map normalise_weights; w1=None uses 1 - clip(w0). out0/out1 may alias w0/w1.", py::arg("w0"),
        py::arg("w1"), py::arg("out0"), py::arg("out1"));
    m.def(
        "fusion_two_scale_blend",
        [](A a, A b, A wb0, A wb1, A wd0, A wd1, int64_t radius, A o) {
            for (const auto* x : {&a, &b, &wb0, &wb1, &wd0, &wd1}) no_overlap(o, *x, "an input");
            const auto va = in(a, "a"), vb = in(b, "b"), b0 = in(wb0, "wb0"), b1 = in(wb1, "wb1"),
                       d0 = in(wd0, "wd0"), d1 = in(wd1, "wd1"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::two_scale_blend(va, vb, b0, b1, d0, d1, radius, d);
        },
        py::arg("a"), py::arg("b"), py::arg("wb0"), py::arg("wb1"), py::arg("wd0"), py::arg("wd1"),
        py::arg("radius"), py::arg("out"));
    m.def(
        "fusion_weighted_blend",
        [](A a, A b, A w, A o) {
            const auto va = in(a, "a"), vb = in(b, "b"), vw = in(w, "w"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::weighted_blend(va, vb, vw, d);
        },
        py::arg("a"), py::arg("b"), py::arg("w"), py::arg("out"));
    m.def(
        "fusion_pyramid_reduce",
        [](A image, A o) {
            no_overlap(o, image, "image");
            const auto s = in(image, "image"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::pyramid_reduce(s, d);
        },
        py::arg("image"), py::arg("out"));
    m.def(
        "fusion_pyramid_expand",
        [](A image, A o) {
            no_overlap(o, image, "image");
            const auto s = in(image, "image"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::pyramid_expand(s, d);
        },
        py::arg("image"), py::arg("out"));
    m.def(
        "fusion_pyramid_blend",
        [](A a, A b, A w, int64_t levels, bool match, double threshold, A o) {
            for (const auto* x : {&a, &b, &w}) no_overlap(o, *x, "an input");
            const auto va = in(a, "a"), vb = in(b, "b"), vw = in(w, "w"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::pyramid_blend(va, vb, vw, levels, match, threshold, d);
        },
        py::arg("a"), py::arg("b"), py::arg("w"), py::arg("levels"), py::arg("match"), py::arg("threshold"),
        py::arg("out"));
    m.def(
        "fusion_focus_measure",
        [](A image, int measure, int64_t radius, double threshold, A o) {
            no_overlap(o, image, "image");
            JF_CHECK(measure >= 0 && measure <= 3, "measure code out of range");
            const auto s = in(image, "image"), d = out(o, "out");
            py::gil_scoped_release release;
            fu::focus_measure(s, static_cast<fu::FocusMeasure>(measure), radius, threshold, d);
        },
        "measure: 0 sml, 1 eol, 2 tenengrad, 3 variance.", py::arg("image"), py::arg("measure"),
        py::arg("radius"), py::arg("threshold"), py::arg("out"));
}
