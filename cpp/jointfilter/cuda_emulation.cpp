#include "cuda_emulation.hpp"

#include <vector>

#include "border.hpp"
#include "guided_sweeps.hpp"
#include "kernel_job.hpp"

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

void emulate_cuda_guided_filter(const ImageView& target, const ImageView& guide, const ImageView& dst,
                                const GuidedParams& params) {
    check_guided_arguments(target, guide, dst, params);
    JF_CHECK(params.subsample == 1, "the CUDA emulation covers subsample == 1");
    const int64_t h = target.height, w = target.width;
    if (h == 0 || w == 0) return;
    const sweep::HostAxis rows = make_host_axis(h, params.radius, params.border);
    const sweep::HostAxis cols = make_host_axis(w, params.radius, params.border);
    sweep::GuidedParams p;
    p.target = to_sweep(target);
    p.guide = to_sweep(guide);
    p.out = to_sweep(dst);
    p.rows = rows.view();
    p.cols = cols.view();
    p.eps = params.eps;
    p.k1 = static_cast<int>(moment_count(guide.channels, target.channels));
    p.kab = static_cast<int>(coef_count(guide.channels, target.channels));
    std::vector<double> v(static_cast<size_t>(p.k1 * h * w)), ab(static_cast<size_t>(p.kab * h * w)),
        v2(static_cast<size_t>(p.kab * h * w));
    p.v = v.data();
    p.ab = ab.data();
    p.v2 = v2.data();
    // the four launches of cuda/guided_filter.cu, one loop iteration per CUDA thread
    for (int64_t x = 0; x < w; ++x) sweep::vertical_moments(p, x);
    for (int64_t y = 0; y < h; ++y) sweep::horizontal_solve(p, y);
    for (int64_t x = 0; x < w; ++x) sweep::vertical_coefficients(p, x);
    for (int64_t y = 0; y < h; ++y) sweep::horizontal_apply(p, y);
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

}  // namespace jointfilter
