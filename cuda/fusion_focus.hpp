// Focus fusion (jf.fuse(method="focus")) on the GPU as host+device code: the work of one CUDA
// thread of each step, and the launch sequence itself, written once as a template over an
// executor (cuda/fusion_focus.cu launches kernels; cuda_emulation_focus.cpp loops over the same
// grids on the CPU). The per-pixel formulas are fusion_sweeps.hpp's, which the CPU's
// fusion.cpp uses too; the pyramid resampling below is fusion.cpp's run_sep per output pixel
// (float32 sums of k_i * value in tap order from +0, horizontal pass first, symmetric border).
//
// | step                        | grid            | work                                          |
// |-----------------------------|-----------------|-----------------------------------------------|
// | fuse_prepare                | pixel           | sources to [0, 1]; RGB visible -> Y, Cb, Cr   |
// | focus_energy                | pixel           | measure energy of both (variance: I^2)        |
// | box filter x 2 (x 4)        | CUDA box filter | window means (variance: also of I)            |
// | focus_select                | pixel           | P0 = [f_vis < f_ir] (ties: visible), P1       |
// | "two_scale": GFF's tail     | (fusion.cu)     | 4 guided filters, normalise, 2 box, output    |
// | focus_guide                 | pixel           | G = (ir + vis) * 0.5                          |
// | guided filter               | CUDA GF         | W = GF(P0, G, radius, eps, subsample)         |
// | focus_normalise             | pixel           | W = normalise(clip W, 1 - clip W)[0]          |
// | "weighted": focus_weighted  | pixel           | F = W ir + (1 - W) vis, output                |
// | "pyramid": reduce rows/cols | level pixel     | Gaussian levels of ir, vis, W (3 at once)     |
// |   expand rows, cols_sub     | level pixel     | Laplacian levels L = G - expand(G_next)       |
// |   products, box x 3, match  | level pixel     | Liu et al.'s rule (or weighted mean) in place |
// |   expand rows, cols_add     | level pixel     | reconstruction, coarse to fine                |
// |   focus_output              | pixel           | F (level 0) to the output                     |
#pragma once

#include <cstdint>
#include <vector>

#include "fusion_sweeps.hpp"

namespace jointfilter {
namespace sweep {

enum : int { kBlendPyramid = 0, kBlendTwoScale = 1, kBlendWeighted = 2 };

/// Parameters of the focus fusion on the GPU (and its emulation); defaults are fuse()'s.
struct FocusSettings {
    FuseSettings gff;  // ranges, clip, and the "two_scale" blend's r1, eps1, r2, eps2, base_radius
    int measure = fusion::kFocusSml;
    int64_t focus_radius = 4;
    double threshold = 0.0;  // SML's
    int blend = kBlendPyramid;
    int64_t radius = 8;  // refinement W = GF(P, (ir + vis) / 2, radius, eps, gff.subsample)
    double eps = 0.1;
    int64_t levels = 1;  // pyramid levels (>= 1; the Python layer resolves None)
    bool match = true;   // Liu et al.'s match rule (false: plain weighted pyramid)
    double match_threshold = 0.6;
};

/// Host-side tables of one focus fusion: the guided filters' plans, the box axes of the
/// focus window and of the two-scale split, and the pyramid's level sizes.
struct HostFocusPlan {
    HostGuidedPlan refine, base, detail;
    HostAxis focus_rows, focus_cols, box_rows, box_cols;
    std::vector<int64_t> level_h, level_w, level_offset;  // level l >= 1 at level_offset[l]
    int64_t pyramid_floats = 0;                           // levels >= 1, three planes each
};

/// The arguments of every per-pixel step of the focus fusion.
struct FocusParams {
    FuseParams f;  // images, planes (fusion_sweeps.hpp) and output conversion
    int measure = 0;
    bool thresh = false;  // SML with threshold > 0
    float threshold = 0.0f;
    const float* fused = nullptr;  // focus_output's source plane
};

/// Thread t: the measure's per-pixel energy of both sources (replicate border) into u0, u1.
JF_HD void focus_energy(const FocusParams& q, int64_t t) {
    const FuseParams& p = q.f;
    const int64_t y = t / p.w, x = t % p.w;
    const int64_t up = clamp_index(y - 1, p.h) * p.w, dn = clamp_index(y + 1, p.h) * p.w, c = y * p.w;
    const int64_t l = clamp_index(x - 1, p.w), r = clamp_index(x + 1, p.w);
    const float* s[2] = {p.src0, p.src1};
    float* e[2] = {p.u0, p.u1};
    for (int k = 0; k < 2; ++k)
        e[k][t] = fusion::focus_energy_px(q.measure, s[k][c + x], s[k][c + l], s[k][c + r], s[k][up + x],
                                          s[k][dn + x], q.thresh, q.threshold);
}

/// Thread t: the focus maps (t0, t1 = box means; variance: minus the squared means in wb0,
/// wb1) and the decision P0 = 1 - [f_vis >= f_ir] (fusion.cpp's max_selection(f_vis, f_ir)[1]),
/// P1 = 1 - P0.
JF_HD void focus_select(const FocusParams& q, int64_t t) {
    const FuseParams& p = q.f;
    float f_ir = p.t0[t], f_vis = p.t1[t];
    if (q.measure == fusion::kFocusVariance) {
        f_ir = fusion::variance_px(f_ir, p.wb0[t]);
        f_vis = fusion::variance_px(f_vis, p.wb1[t]);
    }
    const float d = fusion::select_first_px(f_vis, f_ir) ? 0.0f : 1.0f;
    p.p0[t] = d;
    p.p1[t] = 1.0f - d;
}

/// Thread t: the refinement's guide (ir + vis) * 0.5 in float32, into u0.
JF_HD void focus_guide(const FocusParams& q, int64_t t) {
    const FuseParams& p = q.f;
    p.u0[t] = (p.src0[t] + p.src1[t]) * 0.5f;
}

/// Thread t: W = normalise_weights(clip W, 1 - clip W)[0] in place (wb0).
JF_HD void focus_normalise(const FocusParams& q, int64_t t) {
    const FuseParams& p = q.f;
    float w0, w1;
    fusion::normalise2_px(p.wb0[t], 1.0f - fusion::clip01(p.wb0[t]), w0, w1);
    p.wb0[t] = w0;
}

/// Thread t: F = W ir + (1 - W) vis to the output.
JF_HD void focus_weighted(const FocusParams& q, int64_t t) {
    const FuseParams& p = q.f;
    store_fused(p, t, t / p.w, t % p.w, fusion::weighted_px(p.wb0[t], p.src0[t], p.src1[t]));
}

/// Thread t: the fused plane q.fused to the output.
JF_HD void focus_output(const FocusParams& q, int64_t t) {
    const FuseParams& p = q.f;
    store_fused(p, t, t / p.w, t % p.w, q.fused[t]);
}

// ---- Laplacian pyramid ---------------------------------------------------------------------------

/// numpy "symmetric" (fedcba|abcdef) index of virtual position v on an axis of length n
/// (border.hpp's border_map for Border::symmetric).
JF_HD int64_t symmetric_index(int64_t v, int64_t n) {
    if (v >= 0 && v < n) return v;
    const int64_t period = 2 * n;
    int64_t m = v % period;
    if (m < 0) m += period;
    return m < n ? m : period - 1 - m;
}

/// Tap i of the 5-tap binomial kernel (1 4 6 4 1) / 16 (`twice`: the expansion's 2x); exact in
/// float32, as fusion.cpp's binomial() and binomial2().
JF_HD float binomial_tap(int i, bool twice) {
    const float k = (i == 2 ? 6.0f : (i == 1 || i == 3 ? 4.0f : 1.0f)) / 16.0f;
    return twice ? 2.0f * k : k;
}

/// Up to three planes of one pyramid step: sources of sh x sw, destinations of dh x dw, and the
/// horizontal pass's scratch.
struct PyrParams {
    int n = 1;  // planes
    const float* src[3] = {nullptr, nullptr, nullptr};
    float* dst[3] = {nullptr, nullptr, nullptr};
    float* tmp[3] = {nullptr, nullptr, nullptr};
    int64_t sh = 0, sw = 0, dh = 0, dw = 0;
    // blend of one level (dh x dw): ca (dst[0], in place), cb, w, the products and their 3x3 sums
    const float *cb = nullptr, *w = nullptr;
    float *paa = nullptr, *pbb = nullptr, *pab = nullptr, *sa = nullptr, *sb = nullptr, *sab = nullptr;
    float threshold = 0.0f;
};

/// Thread t of the reduction's horizontal pass: tmp (sh x dw) = binomial along rows, every
/// second column (virtual column 2 x + i - 2).
JF_HD void pyr_reduce_rows(const PyrParams& q, int64_t t) {
    const int64_t y = t / q.dw, x = t % q.dw;
    for (int k = 0; k < q.n; ++k) {
        const float* row = q.src[k] + y * q.sw;
        float acc = 0.0f;
        for (int i = 0; i < 5; ++i) acc += binomial_tap(i, false) * row[symmetric_index(2 * x + i - 2, q.sw)];
        q.tmp[k][t] = acc;
    }
}

/// Thread t of the reduction's vertical pass: dst (dh x dw) = binomial along columns of tmp,
/// every second row.
JF_HD void pyr_reduce_cols(const PyrParams& q, int64_t t) {
    const int64_t y = t / q.dw, x = t % q.dw;
    for (int k = 0; k < q.n; ++k) {
        float acc = 0.0f;
        for (int i = 0; i < 5; ++i)
            acc += binomial_tap(i, false) * q.tmp[k][symmetric_index(2 * y + i - 2, q.sh) * q.dw + x];
        q.dst[k][t] = acc;
    }
}

/// Source sample of fine index u in the zero-interleaved upsampling of n coarse samples: u / 2
/// (clamped: the coarse line replicated at its ends) for even u, none (-1) for odd u; the CPU's
/// expand_taps (fusion.cpp).
JF_HD int64_t expand_source(int64_t u, int64_t n) {
    if (u % 2 != 0) return -1;
    const int64_t s = u / 2;
    return s < 0 ? 0 : (s > n - 1 ? n - 1 : s);
}

/// Thread t of the expansion's horizontal pass: tmp ((dh + 1) / 2 x dw) = 2 x binomial over the
/// zero-interleaved source row (odd virtual columns are zeros).
JF_HD void pyr_expand_rows(const PyrParams& q, int64_t t) {
    const int64_t y = t / q.dw, x = t % q.dw;
    for (int k = 0; k < q.n; ++k) {
        const float* row = q.src[k] + y * q.sw;
        float acc = 0.0f;
        for (int i = 0; i < 5; ++i) {
            const int64_t v = expand_source(x + i - 2, (q.dw + 1) / 2);
            acc += binomial_tap(i, true) * (v >= 0 ? row[v] : 0.0f);
        }
        q.tmp[k][t] = acc;
    }
}

/// The expansion's vertical pass at (y, x) of plane k (odd virtual rows are zeros).
JF_HD float expand_col_px(const PyrParams& q, int k, int64_t y, int64_t x) {
    float acc = 0.0f;
    for (int i = 0; i < 5; ++i) {
        const int64_t v = expand_source(y + i - 2, (q.dh + 1) / 2);
        acc += binomial_tap(i, true) * (v >= 0 ? q.tmp[k][v * q.dw + x] : 0.0f);
    }
    return acc;
}

/// Thread t: Laplacian level in place, dst = dst - expand (dst holds the Gaussian level).
JF_HD void pyr_expand_cols_sub(const PyrParams& q, int64_t t) {
    const int64_t y = t / q.dw, x = t % q.dw;
    for (int k = 0; k < q.n; ++k) q.dst[k][t] = q.dst[k][t] - expand_col_px(q, k, y, x);
}

/// Thread t: reconstruction in place, dst = dst + expand (dst holds the blended level).
JF_HD void pyr_expand_cols_add(const PyrParams& q, int64_t t) {
    const int64_t y = t / q.dw, x = t % q.dw;
    for (int k = 0; k < q.n; ++k) q.dst[k][t] = q.dst[k][t] + expand_col_px(q, k, y, x);
}

/// Thread t: the products the match rule's 3x3 means are taken of.
JF_HD void pyr_products(const PyrParams& q, int64_t t) {
    const float a = q.dst[0][t], b = q.cb[t];
    q.paa[t] = a * a;
    q.pbb[t] = b * b;
    q.pab[t] = a * b;
}

/// Thread t: the 3x3 window sums of the three products over band_fuse.m's es2 extension.
JF_HD void pyr_sums(const PyrParams& q, int64_t t) {
    const int64_t y = t / q.dw, x = t % q.dw;
    q.sa[t] = fusion::es2_sum3_px(q.paa, q.dh, q.dw, y, x);
    q.sb[t] = fusion::es2_sum3_px(q.pbb, q.dh, q.dw, y, x);
    q.sab[t] = fusion::es2_sum3_px(q.pab, q.dh, q.dw, y, x);
}

/// Thread t: Liu et al.'s match/selection rule into dst[0].
JF_HD void pyr_match(const PyrParams& q, int64_t t) {
    q.dst[0][t] =
        fusion::match_select_px(q.w[t], q.dst[0][t], q.cb[t], q.sa[t], q.sb[t], q.sab[t], q.threshold);
}

/// Thread t: the weighted mean into dst[0] (match_threshold=None: no match rule).
JF_HD void pyr_weighted(const PyrParams& q, int64_t t) {
    q.dst[0][t] = fusion::weighted_px(q.w[t], q.dst[0][t], q.cb[t]);
}

/// An f32 plane of h x w as a sweep image (for the guided and box filters).
inline Image plane_image(float* data, int64_t h, int64_t w) {
    Image img;
    img.data = data;
    img.dtype = kF32;
    img.height = h;
    img.width = w;
    img.channels = 1;
    img.row_stride = w;
    return img;
}

/// Floats of scratch one focus fusion needs: the GFF planes and the pyramid's coarser levels.
inline int64_t focus_scratch_floats(const HostFocusPlan& plan, int64_t h, int64_t w) {
    return kFusePlanes * h * w + plan.pyramid_floats;
}

/// Full-size scratch planes run_pyramid_blend needs besides the level-0 planes.
constexpr int kPyrScratch = 7;

/// Laplacian-pyramid blend of the level-0 planes a, b (blended) with the weight w of a, as
/// fusion.cpp's pyramid_blend: Gaussian levels of a, b, w, Laplacian levels of a, b, the match
/// rule (or the weighted mean) per level, reconstruction. The result replaces a; b and w are
/// overwritten. `scratch`: kPyrScratch planes of level 0's size (tmp[0..2] the horizontal
/// passes', [1..6] the match rule's); `coarse`: plan.pyramid_floats floats for levels >= 1.
template <class Exec>
void run_pyramid_blend(Exec& ex, float* a, float* b, float* w, const HostFocusPlan& plan, int64_t levels,
                       bool match, float threshold, float* const* scratch, float* coarse) {
    const int64_t L = levels;
    std::vector<float*> ga(L), gb(L), gw(L);
    ga[0] = a;
    gb[0] = b;
    gw[0] = w;
    for (int64_t l = 1; l < L; ++l) {
        const int64_t m = plan.level_h[l] * plan.level_w[l];
        ga[l] = coarse + plan.level_offset[l];
        gb[l] = ga[l] + m;
        gw[l] = gb[l] + m;
    }
    auto level = [&plan](int64_t l) { return plan.level_h[l] * plan.level_w[l]; };
    PyrParams r;
    r.tmp[0] = scratch[0];
    r.tmp[1] = scratch[1];
    r.tmp[2] = scratch[2];
    for (int64_t l = 1; l < L; ++l) {  // Gaussian levels of the three planes
        r.n = 3;
        r.src[0] = ga[l - 1], r.src[1] = gb[l - 1], r.src[2] = gw[l - 1];
        r.dst[0] = ga[l], r.dst[1] = gb[l], r.dst[2] = gw[l];
        r.sh = plan.level_h[l - 1], r.sw = plan.level_w[l - 1];
        r.dh = plan.level_h[l], r.dw = plan.level_w[l];
        ex.template run<pyr_reduce_rows>(r, r.sh * r.dw);
        ex.template run<pyr_reduce_cols>(r, level(l));
    }
    for (int64_t l = 0; l + 1 < L; ++l) {  // Laplacian levels of a and b
        r.n = 2;
        r.src[0] = ga[l + 1], r.src[1] = gb[l + 1];
        r.dst[0] = ga[l], r.dst[1] = gb[l];
        r.sh = plan.level_h[l + 1], r.sw = plan.level_w[l + 1];
        r.dh = plan.level_h[l], r.dw = plan.level_w[l];
        ex.template run<pyr_expand_rows>(r, (r.dh + 1) / 2 * r.dw);
        ex.template run<pyr_expand_cols_sub>(r, level(l));
    }
    for (int64_t l = 0; l < L; ++l) {  // blend every level into ga
        r.n = 1;
        r.dst[0] = ga[l];
        r.cb = gb[l];
        r.w = gw[l];
        r.dh = plan.level_h[l], r.dw = plan.level_w[l];
        if (!match) {
            ex.template run<pyr_weighted>(r, level(l));
            continue;
        }
        r.paa = scratch[1], r.pbb = scratch[2], r.pab = scratch[3];
        r.sa = scratch[4], r.sb = scratch[5], r.sab = scratch[6];
        r.threshold = threshold;
        ex.template run<pyr_products>(r, level(l));
        ex.template run<pyr_sums>(r, level(l));
        ex.template run<pyr_match>(r, level(l));
    }
    for (int64_t l = L - 1; l-- > 0;) {  // reconstruction: ga[l] += expand(ga[l + 1])
        r.n = 1;
        r.src[0] = ga[l + 1];
        r.dst[0] = ga[l];
        r.sh = plan.level_h[l + 1], r.sw = plan.level_w[l + 1];
        r.dh = plan.level_h[l], r.dw = plan.level_w[l];
        ex.template run<pyr_expand_rows>(r, (r.dh + 1) / 2 * r.dw);
        ex.template run<pyr_expand_cols_add>(r, level(l));
    }
}

/// The launch sequence of the focus fusion, for the GPU and its emulation. `ex` provides
///   ex.template run<Step>(params, n)           n threads of a per-pixel step,
///   ex.guided(target, guide, out, plan, radius, eps)   the CUDA guided filter (clipped border),
///   ex.box(src, out, rows, cols, radius)       the CUDA box filter (edge border).
/// `storage` holds focus_scratch_floats() floats.
template <class Exec>
void run_fuse_focus(Exec& ex, const Image& ir, const Image& vis, const Image& out, const HostFocusPlan& plan,
                    const FocusSettings& s, float* storage) {
    FocusParams q;
    q.f = make_fuse_params(ir, vis, out, s.gff);
    FuseParams& p = q.f;
    const int64_t h = p.h, w = p.w, n = h * w;
    if (n == 0) return;
    assign_fuse_planes(p, storage);
    q.measure = s.measure;
    q.thresh = s.measure == fusion::kFocusSml && s.threshold > 0.0;
    q.threshold = fusion::to_f32(s.threshold);
    auto img = [h, w](float* d) { return plane_image(d, h, w); };
    // focus maps and decision
    ex.template run<fuse_prepare>(p, n);
    ex.template run<focus_energy>(q, n);
    ex.box(img(p.u0), img(p.t0), plan.focus_rows, plan.focus_cols, s.focus_radius);
    ex.box(img(p.u1), img(p.t1), plan.focus_rows, plan.focus_cols, s.focus_radius);
    if (s.measure == fusion::kFocusVariance) {
        ex.box(img(p.src0), img(p.wb0), plan.focus_rows, plan.focus_cols, s.focus_radius);
        ex.box(img(p.src1), img(p.wb1), plan.focus_rows, plan.focus_cols, s.focus_radius);
    }
    ex.template run<focus_select>(q, n);
    if (s.blend == kBlendTwoScale) {  // GFF's refinement and two-scale rule (fusion.cu)
        const FuseSettings& g = s.gff;
        ex.guided(img(p.p0), img(p.src0), img(p.wb0), plan.base, g.r1, g.eps1);
        ex.guided(img(p.p1), img(p.src1), img(p.wb1), plan.base, g.r1, g.eps1);
        ex.guided(img(p.p0), img(p.src0), img(p.wd0), plan.detail, g.r2, g.eps2);
        ex.guided(img(p.p1), img(p.src1), img(p.wd1), plan.detail, g.r2, g.eps2);
        ex.template run<fuse_normalise>(p, n);
        ex.box(img(p.src0), img(p.t0), plan.box_rows, plan.box_cols, g.base_radius);
        ex.box(img(p.src1), img(p.t1), plan.box_rows, plan.box_cols, g.base_radius);
        ex.template run<fuse_output>(p, n);
        return;
    }
    ex.template run<focus_guide>(q, n);
    ex.guided(img(p.p0), img(p.u0), img(p.wb0), plan.refine, s.radius, s.eps);
    ex.template run<focus_normalise>(q, n);
    if (s.blend == kBlendWeighted) {
        ex.template run<focus_weighted>(q, n);
        return;
    }
    // Laplacian pyramid: level 0 of ir, vis, W is src0, src1, wb0 (blended in place into src0);
    // the free planes are the scratch
    float* free_planes[kPyrScratch] = {p.t0, p.t1, p.u0, p.u1, p.p0, p.p1, p.wb1};
    run_pyramid_blend(ex, p.src0, p.src1, p.wb0, plan, s.levels, s.match, fusion::to_f32(s.match_threshold),
                      free_planes, storage + kFusePlanes * n);
    q.fused = p.src0;
    ex.template run<focus_output>(q, n);
}

}  // namespace sweep
}  // namespace jointfilter
