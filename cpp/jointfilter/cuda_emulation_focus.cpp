#include "cuda_emulation_focus.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "cuda_emulation.hpp"

namespace jointfilter {

void check_focus_arguments(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                           const sweep::FocusSettings& s) {
    check_fuse_arguments(ir, vis, out, s.gff, std::vector<float>{1.0f});
    JF_CHECK(s.measure >= 0 && s.measure <= 3, "measure code out of range (0 sml .. 3 variance)");
    JF_CHECK(s.blend >= 0 && s.blend <= 2, "blend code out of range (0 pyramid, 1 two_scale, 2 weighted)");
    JF_CHECK(s.focus_radius >= 0 && s.radius >= 0, "radii must be >= 0");
    JF_CHECK(s.eps > 0.0 && std::isfinite(s.eps), "eps must be a finite number > 0");
    JF_CHECK(std::isfinite(s.threshold) && std::isfinite(s.match_threshold), "thresholds must be finite");
    JF_CHECK(s.levels >= 1 && s.levels <= 64, "levels must be in [1, 64]");
}

sweep::HostFocusPlan make_focus_plan(int64_t height, int64_t width, const sweep::FocusSettings& s) {
    sweep::HostFocusPlan plan;
    const sweep::HostFusePlan gff = make_fuse_plan(height, width, s.gff, std::vector<float>{1.0f});
    plan.base = gff.base;
    plan.detail = gff.detail;
    plan.box_rows = gff.box_rows;
    plan.box_cols = gff.box_cols;
    // the CPU path returns the target for radius 0 (every window one pixel): no decimation
    plan.refine =
        make_guided_plan(height, width, 1, 1, s.radius, Border::clipped, s.radius == 0 ? 1 : s.gff.subsample);
    plan.focus_rows = make_host_axis(height, s.focus_radius, Border::edge);
    plan.focus_cols = make_host_axis(width, s.focus_radius, Border::edge);
    add_pyramid_levels(plan, height, width, s.blend == sweep::kBlendPyramid ? s.levels : 1);
    return plan;
}

void add_pyramid_levels(sweep::HostFocusPlan& plan, int64_t height, int64_t width, int64_t count) {
    const auto levels = static_cast<size_t>(count);
    plan.pyramid_floats = 0;
    plan.level_h.assign(levels, height);
    plan.level_w.assign(levels, width);
    plan.level_offset.assign(levels, 0);
    for (size_t l = 1; l < levels; ++l) {  // ceil halving, as pyramid_reduce
        plan.level_h[l] = (plan.level_h[l - 1] + 1) / 2;
        plan.level_w[l] = (plan.level_w[l - 1] + 1) / 2;
        plan.level_offset[l] = plan.pyramid_floats;
        plan.pyramid_floats += 3 * plan.level_h[l] * plan.level_w[l];
    }
}

namespace {

ImageView view_of(const sweep::Image& img) {
    return float_plane(static_cast<float*>(img.data), img.height, img.width, img.row_stride);
}

/// cuda/fusion_focus.cu's launches on the CPU: a step is a loop over its grid, the filters are
/// the emulated CUDA guided and box filters.
struct HostExec {
    template <auto Step, class P>
    void run(const P& p, int64_t n) {
        for (int64_t t = 0; t < n; ++t) Step(p, t);
    }
    void guided(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                const sweep::HostGuidedPlan& plan, int64_t radius, double eps) {
        GuidedParams g;
        g.radius = radius;
        g.eps = eps;
        g.subsample = plan.s;
        emulate_cuda_guided_filter(view_of(target), view_of(guide), view_of(out), g);
    }
    void box(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis&, const sweep::HostAxis&,
             int64_t radius) {
        emulate_cuda_box_filter(view_of(src), view_of(out), radius, Border::edge);
    }
};

/// A contiguous copy of a float32 plane.
std::vector<float> plane_copy(const ImageView& v) {
    std::vector<float> c(static_cast<size_t>(v.height * v.width));
    for (int64_t y = 0; y < v.height; ++y) {
        const float* row = static_cast<const float*>(v.data) + y * v.row_stride;
        std::copy(row, row + v.width, c.begin() + y * v.width);
    }
    return c;
}

void store_plane(const std::vector<float>& c, const ImageView& dst) {
    for (int64_t y = 0; y < dst.height; ++y)
        std::copy(c.begin() + y * dst.width, c.begin() + (y + 1) * dst.width,
                  static_cast<float*>(dst.data) + y * dst.row_stride);
}

void check_f32_plane(const ImageView& v, const char* name) {
    check_view(v, name);
    JF_CHECK(v.channels == 1 && v.dtype == DType::f32, std::string(name) + ": expected a float32 plane");
}

}  // namespace

void emulate_cuda_pyramid_reduce(const ImageView& src, const ImageView& dst) {
    check_f32_plane(src, "image");
    check_f32_plane(dst, "out");
    JF_CHECK(src.height > 0 && src.width > 0, "image must not be empty");
    JF_CHECK(dst.height == (src.height + 1) / 2 && dst.width == (src.width + 1) / 2,
             "out must have shape ((H + 1) // 2, (W + 1) // 2) of image");
    std::vector<float> in = plane_copy(src), tmp(static_cast<size_t>(src.height * dst.width)),
                       res(static_cast<size_t>(dst.height * dst.width));
    sweep::PyrParams r;
    r.src[0] = in.data();
    r.dst[0] = res.data();
    r.tmp[0] = tmp.data();
    r.sh = src.height, r.sw = src.width, r.dh = dst.height, r.dw = dst.width;
    HostExec ex;
    ex.run<sweep::pyr_reduce_rows>(r, r.sh * r.dw);
    ex.run<sweep::pyr_reduce_cols>(r, r.dh * r.dw);
    store_plane(res, dst);
}

void emulate_cuda_pyramid_expand(const ImageView& src, const ImageView& dst) {
    check_f32_plane(src, "image");
    check_f32_plane(dst, "out");
    JF_CHECK(dst.height > 0 && dst.width > 0, "out must not be empty");
    JF_CHECK(src.height >= (dst.height + 1) / 2 && src.width >= (dst.width + 1) / 2,
             "image must have at least (H + 1) // 2 rows and (W + 1) // 2 columns of out");
    std::vector<float> in = plane_copy(src), tmp(static_cast<size_t>((dst.height + 1) / 2 * dst.width)),
                       res(static_cast<size_t>(dst.height * dst.width), 0.0f);
    sweep::PyrParams r;
    r.src[0] = in.data();
    r.dst[0] = res.data();  // zeros: cols_add gives the expansion itself
    r.tmp[0] = tmp.data();
    r.sh = src.height, r.sw = src.width, r.dh = dst.height, r.dw = dst.width;
    HostExec ex;
    ex.run<sweep::pyr_expand_rows>(r, (r.dh + 1) / 2 * r.dw);
    ex.run<sweep::pyr_expand_cols_add>(r, r.dh * r.dw);
    store_plane(res, dst);
}

void emulate_cuda_pyramid_blend(const ImageView& a, const ImageView& b, const ImageView& w, int64_t levels,
                                bool match, double threshold, const ImageView& dst) {
    for (const auto& [v, name] : {std::pair{&a, "a"}, {&b, "b"}, {&w, "w"}, {&dst, "out"}}) {
        check_f32_plane(*v, name);
        JF_CHECK(v->height == a.height && v->width == a.width,
                 std::string(name) + ": expected the shape of a");
    }
    JF_CHECK(levels >= 1 && levels <= 64, "levels must be in [1, 64]");
    const int64_t h = a.height, wd = a.width, n = h * wd;
    if (n == 0) return;
    sweep::HostFocusPlan plan;
    add_pyramid_levels(plan, h, wd, levels);
    std::vector<float> pa = plane_copy(a), pb = plane_copy(b), pw = plane_copy(w);
    std::vector<float> scratch(static_cast<size_t>(sweep::kPyrScratch * n)),
        coarse(static_cast<size_t>(plan.pyramid_floats));
    float* planes[sweep::kPyrScratch];
    for (int i = 0; i < sweep::kPyrScratch; ++i) planes[i] = scratch.data() + i * n;
    HostExec ex;
    sweep::run_pyramid_blend(ex, pa.data(), pb.data(), pw.data(), plan, levels, match,
                             fusion::to_f32(threshold), planes, coarse.data());
    store_plane(pa, dst);
}

void emulate_cuda_fuse_focus(const ImageView& ir, const ImageView& vis, const ImageView& out,
                             const sweep::FocusSettings& s) {
    check_view(ir, "infrared");
    check_view(vis, "visible");
    check_view(out, "out");
    const sweep::Image i = to_sweep(ir), v = to_sweep(vis), o = to_sweep(out);
    check_focus_arguments(i, v, o, s);
    if (vis.height == 0 || vis.width == 0) return;
    const sweep::HostFocusPlan plan = make_focus_plan(vis.height, vis.width, s);
    std::vector<float> storage(static_cast<size_t>(sweep::focus_scratch_floats(plan, vis.height, vis.width)));
    HostExec ex;
    sweep::run_fuse_focus(ex, i, v, o, plan, s, storage.data());
}

}  // namespace jointfilter
