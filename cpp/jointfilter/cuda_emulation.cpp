#include "cuda_emulation.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "border.hpp"
#include "fusion_sweeps.hpp"
#include "guided_filter.hpp"
#include "guided_sweeps.hpp"
#include "kernel_job.hpp"
#include "minmax_sweeps.hpp"

namespace jointfilter {

sweep::Image to_sweep(const ImageView& v) {
    sweep::Image s;
    s.data = v.data;
    s.dtype = static_cast<int>(v.dtype);
    s.height = v.height;
    s.width = v.width;
    s.channels = v.channels;
    s.row_stride = v.row_stride;
    return s;
}

sweep::HostAxis make_host_axis(int64_t n, int64_t radius, Border border) {
    const AxisPlan plan(n, radius, border);
    sweep::HostAxis a;
    a.n = n;
    a.enter = plan.enter;
    a.leave = plan.leave;
    a.count = plan.count;
    plan.window_list(0, a.init_index, a.init_weight);
    return a;
}

sweep::HostGuidedPlan make_guided_plan(int64_t height, int64_t width, int64_t guide_channels,
                                       int64_t target_channels, int64_t radius, Border border,
                                       int64_t subsample, Decimation decimation) {
    JF_CHECK(subsample >= 1, "subsample must be >= 1");
    JF_CHECK(decimation == Decimation::nearest || decimation == Decimation::mean,
             "decimation must be nearest (0) or mean (1)");
    static_assert(static_cast<int>(Decimation::nearest) == sweep::kDecimateNearest &&
                      static_cast<int>(Decimation::mean) == sweep::kDecimateMean,
                  "the sweeps' decimation codes follow jointfilter::Decimation");
    sweep::HostGuidedPlan plan;
    plan.h = height;
    plan.w = width;
    plan.s = subsample;
    plan.decimation = static_cast<int>(decimation);
    plan.cg = static_cast<int>(guide_channels);
    plan.ct = static_cast<int>(target_channels);
    plan.k1 = static_cast<int>(moment_count(guide_channels, target_channels));
    plan.kab = static_cast<int>(coef_count(guide_channels, target_channels));
    plan.low_h = (height + subsample - 1) / subsample;
    plan.low_w = (width + subsample - 1) / subsample;
    // guided_filter.cpp's low-res radius: round(r / s), at least 1
    const int64_t low_radius =
        subsample == 1
            ? radius
            : std::max<int64_t>(
                  1, static_cast<int64_t>(std::floor(static_cast<double>(radius) / subsample + 0.5)));
    plan.rows = make_host_axis(plan.low_h, low_radius, border);
    plan.cols = make_host_axis(plan.low_w, low_radius, border);
    if (subsample > 1) {
        linear_taps(height, plan.low_h, plan.tap_y, plan.frac_y);
        linear_taps(width, plan.low_w, plan.tap_x, plan.frac_x);
    }
    return plan;
}

std::vector<int64_t> make_padded_map(int64_t n, int64_t radius, Border border) {
    std::vector<int64_t> map(static_cast<size_t>(n + 2 * radius));
    for (int64_t i = 0; i < n + 2 * radius; ++i) map[i] = border_map(i - radius, n, border);
    return map;
}

void emulate_cuda_guided_filter(const ImageView& target, const ImageView& guide, const ImageView& dst,
                                const GuidedParams& params) {
    check_guided_arguments(target, guide, dst, params);
    const int64_t h = target.height, w = target.width;
    if (h == 0 || w == 0) return;
    const sweep::HostGuidedPlan plan = make_guided_plan(h, w, guide.channels, target.channels, params.radius,
                                                        params.border, params.subsample, params.decimation);
    const int64_t lh = plan.low_h, lw = plan.low_w;
    sweep::GuidedParams p;
    p.target = to_sweep(target);
    p.guide = to_sweep(guide);
    p.out = to_sweep(dst);
    // fast filter: the decimation launches (one thread per low-res pixel) into low-res copies
    std::vector<double> low_t, low_g;  // storage, 8 bytes per value: room for any element type
    if (plan.s > 1) {
        low_t.resize(static_cast<size_t>(lh * lw * target.channels));
        low_g.resize(static_cast<size_t>(lh * lw * guide.channels));
        sweep::DecimateParams d;
        d.s = plan.s;
        for (auto* pair : {&p.target, &p.guide}) {
            const bool is_target = pair == &p.target;
            d.mode = is_target ? plan.decimation : sweep::kDecimateNearest;  // the guide: always nearest
            d.src = *pair;
            d.low = *pair;
            if (d.mode == sweep::kDecimateMean) d.low.dtype = sweep::kF32;
            d.low.data = is_target ? static_cast<void*>(low_t.data()) : static_cast<void*>(low_g.data());
            d.low.height = lh;
            d.low.width = lw;
            d.low.row_stride = lw * pair->channels;
            for (int64_t t = 0; t < lh * lw; ++t) sweep::decimate_pixel(d, t);
            *pair = d.low;
        }
    }
    p.rows = plan.rows.view();
    p.cols = plan.cols.view();
    p.eps = params.eps;
    p.k1 = plan.k1;
    p.kab = plan.kab;
    std::vector<double> v(static_cast<size_t>(p.k1 * lh * lw)), ab(static_cast<size_t>(p.kab * lh * lw)),
        v2(static_cast<size_t>(p.kab * lh * lw));
    p.v = v.data();
    p.ab = ab.data();
    p.v2 = v2.data();
    // the launches of cuda/guided_filter.cu, one loop iteration per CUDA thread
    for (int64_t x = 0; x < lw; ++x) sweep::vertical_moments(p, x);
    for (int64_t y = 0; y < lh; ++y) sweep::horizontal_solve(p, y);
    for (int64_t x = 0; x < lw; ++x) sweep::vertical_coefficients(p, x);
    if (plan.s == 1) {
        for (int64_t y = 0; y < h; ++y) sweep::horizontal_apply(p, y);
        return;
    }
    for (int64_t y = 0; y < lh; ++y) sweep::horizontal_mean_coefficients(p, y);
    sweep::UpsampleParams u;
    u.guide = to_sweep(guide);
    u.out = to_sweep(dst);
    u.coef = ab.data();
    u.low_h = lh;
    u.low_w = lw;
    u.kab = plan.kab;
    u.tap_y = plan.tap_y.data();
    u.tap_x = plan.tap_x.data();
    u.frac_y = plan.frac_y.data();
    u.frac_x = plan.frac_x.data();
    for (int64_t t = 0; t < h * w; ++t) sweep::upsample_pixel(u, t);
}

void emulate_cuda_box_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border) {
    check_box_arguments(src, dst, radius);
    const int64_t h = src.height, w = src.width;
    if (h == 0 || w == 0) return;
    const sweep::HostAxis rows = make_host_axis(h, radius, border);
    const sweep::HostAxis cols = make_host_axis(w, radius, border);
    sweep::BoxParams p;
    p.src = to_sweep(src);
    p.out = to_sweep(dst);
    p.rows = rows.view();
    p.cols = cols.view();
    std::vector<double> v(static_cast<size_t>(src.channels * h * w)), hs(v.size());
    p.v = v.data();
    p.h = hs.data();
    // the two launches of cuda/guided_filter.cu's box_filter, one iteration per CUDA thread
    for (int64_t x = 0; x < w; ++x) sweep::box_vertical(p, x);
    for (int64_t y = 0; y < h; ++y) sweep::box_horizontal(p, y);
}

namespace {

template <typename T, bool Max>
void emulate_minmax(const sweep::MinMaxParams& p) {
    const int64_t rows = p.src.height * p.src.channels, cols = p.src.width * p.src.channels;
    // the two launches of cuda/minmax_filter.cu, one iteration per CUDA thread
    for (int64_t t = 0; t < rows; ++t) sweep::minmax_row<T, Max>(p, t);
    if (*p.nan_seen) throw nonfinite_input("jointfilter: image contains NaN");
    for (int64_t t = 0; t < cols; ++t) sweep::minmax_column<T, Max>(p, t);
}

template <typename T>
void emulate_minmax_typed(const sweep::MinMaxParams& p, Extremum which) {
    if (which == Extremum::max)
        emulate_minmax<T, true>(p);
    else
        emulate_minmax<T, false>(p);
}

}  // namespace

void emulate_cuda_minmax_filter(const ImageView& src, const ImageView& dst, int64_t radius, Border border,
                                Extremum which) {
    check_minmax_arguments(src, dst, radius);
    const int64_t h = src.height, w = src.width;
    if (h == 0 || w == 0) return;
    sweep::MinMaxParams p;
    p.src = to_sweep(src);
    p.out = to_sweep(dst);
    p.r_y = std::min(radius, h);  // as minmax_filter.cpp: a window covering the line is enough
    p.r_x = std::min(radius, w);
    const std::vector<int64_t> row_map = make_padded_map(h, p.r_y, border);
    const std::vector<int64_t> col_map = make_padded_map(w, p.r_x, border);
    p.row_map = row_map.data();
    p.col_map = col_map.data();
    std::vector<double> tmp(static_cast<size_t>(h * w * src.channels));  // any element type fits
    p.tmp = tmp.data();
    int nan_seen = 0;
    p.nan_seen = &nan_seen;
    switch (src.dtype) {
        case DType::u8:
            emulate_minmax_typed<uint8_t>(p, which);
            break;
        case DType::u16:
            emulate_minmax_typed<uint16_t>(p, which);
            break;
        case DType::f32:
            emulate_minmax_typed<float>(p, which);
            break;
    }
}

// ---- GFF fusion ------------------------------------------------------------------------------

void check_fuse_arguments(const sweep::Image& ir, const sweep::Image& vis, const sweep::Image& out,
                          const sweep::FuseSettings& s, const std::vector<float>& kernel) {
    JF_CHECK(ir.channels == 1, "infrared: expected one channel on the GPU");
    JF_CHECK(vis.channels == 1 || vis.channels == 3, "visible: expected 1 or 3 channels");
    JF_CHECK(ir.height == vis.height && ir.width == vis.width,
             "infrared and visible must have the same height and width");
    JF_CHECK(out.height == vis.height && out.width == vis.width && out.channels == vis.channels &&
                 out.dtype == vis.dtype,
             "out must have the shape and dtype of visible");
    JF_CHECK(s.ir_range > 0.0 && s.vis_range > 0.0, "data ranges must be > 0");
    JF_CHECK(s.r1 >= 0 && s.r2 >= 0 && s.base_radius >= 0, "radii must be >= 0");
    JF_CHECK(s.eps1 > 0.0 && s.eps2 > 0.0 && std::isfinite(s.eps1) && std::isfinite(s.eps2),
             "eps1 and eps2 must be finite numbers > 0");
    JF_CHECK(s.subsample >= 1, "subsample must be >= 1");
    JF_CHECK(kernel.size() % 2 == 1, "kernel: expected an odd length");
}

sweep::HostFusePlan make_fuse_plan(int64_t height, int64_t width, const sweep::FuseSettings& s,
                                   const std::vector<float>& kernel) {
    sweep::HostFusePlan plan;
    // the Python CPU path returns the target for radius 0 (every window one pixel): no decimation
    plan.base = make_guided_plan(height, width, 1, 1, s.r1, Border::clipped, s.r1 == 0 ? 1 : s.subsample);
    plan.detail = make_guided_plan(height, width, 1, 1, s.r2, Border::clipped, 1);
    plan.box_rows = make_host_axis(height, s.base_radius, Border::edge);
    plan.box_cols = make_host_axis(width, s.base_radius, Border::edge);
    plan.kernel = kernel;
    return plan;
}

namespace {

ImageView plane_view(const sweep::FuseParams& p, float* data) { return float_plane(data, p.h, p.w, p.w); }

}  // namespace

void emulate_cuda_fuse_guided(const ImageView& ir, const ImageView& vis, const ImageView& out,
                              const sweep::FuseSettings& s, const std::vector<float>& kernel) {
    check_view(ir, "infrared");
    check_view(vis, "visible");
    check_view(out, "out");
    check_fuse_arguments(to_sweep(ir), to_sweep(vis), to_sweep(out), s, kernel);
    sweep::FuseParams p = sweep::make_fuse_params(to_sweep(ir), to_sweep(vis), to_sweep(out), s);
    const int64_t n = p.h * p.w;
    if (n == 0) return;
    const sweep::HostFusePlan plan = make_fuse_plan(p.h, p.w, s, kernel);
    std::vector<float> planes(static_cast<size_t>(sweep::kFusePlanes * n));
    sweep::assign_fuse_planes(p, planes.data());
    p.kernel = plan.kernel.data();
    p.ksize = static_cast<int64_t>(plan.kernel.size());
    // the launches of cuda/fusion.cu, one loop iteration per CUDA thread
    for (int64_t t = 0; t < n; ++t) sweep::fuse_prepare(p, t);
    for (int64_t t = 0; t < n; ++t) sweep::fuse_laplacian(p, t);
    for (int64_t t = 0; t < n; ++t) sweep::fuse_gauss_rows(p, t);
    for (int64_t t = 0; t < n; ++t) sweep::fuse_gauss_cols_select(p, t);
    GuidedParams gb;
    gb.radius = s.r1;
    gb.eps = s.eps1;
    gb.subsample = plan.base.s;
    GuidedParams gd;
    gd.radius = s.r2;
    gd.eps = s.eps2;
    emulate_cuda_guided_filter(plane_view(p, p.p0), plane_view(p, p.src0), plane_view(p, p.wb0), gb);
    emulate_cuda_guided_filter(plane_view(p, p.p1), plane_view(p, p.src1), plane_view(p, p.wb1), gb);
    emulate_cuda_guided_filter(plane_view(p, p.p0), plane_view(p, p.src0), plane_view(p, p.wd0), gd);
    emulate_cuda_guided_filter(plane_view(p, p.p1), plane_view(p, p.src1), plane_view(p, p.wd1), gd);
    for (int64_t t = 0; t < n; ++t) sweep::fuse_normalise(p, t);
    emulate_cuda_box_filter(plane_view(p, p.src0), plane_view(p, p.t0), s.base_radius, Border::edge);
    emulate_cuda_box_filter(plane_view(p, p.src1), plane_view(p, p.t1), s.base_radius, Border::edge);
    for (int64_t t = 0; t < n; ++t) sweep::fuse_output(p, t);
}

}  // namespace jointfilter
