// The coarse-grid iterative guided filter (iterative_guided.hpp): the fits and box means are the
// core's (guided_coefficients, box_filter); the per-pixel steps between them are here.
#include "iterative_guided.hpp"

#include <cstddef>
#include <vector>

#include "fusion.hpp"
#include "guided_filter.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace {

constexpr int64_t kBlockPixels = 16384;
constexpr int64_t kBandRows = 16;

/// A C-contiguous float32 view of n = h * w pixels of `channels` values on `data`.
ImageView f32_view(float* data, int64_t h, int64_t w, int64_t channels) {
    ImageView v;
    v.data = data;
    v.dtype = DType::f32;
    v.height = h;
    v.width = w;
    v.channels = channels;
    v.row_stride = w * channels;
    return v;
}

/// The iteration for C target and CG guide channels (compile-time, so the per-pixel loops unroll).
template <int C, int CG>
void coarse_iteration(const ImageView& ambient, const ImageView& flash, const double* mix,
                      const CoarseIterativeParams& p, double* coef) {
    const int64_t h = ambient.height, w = ambient.width, n = h * w;
    constexpr int K = C * (CG + 1);
    if (n == 0) return;
    const float* f = static_cast<const float*>(flash.data);
    const float* a = static_cast<const float*>(ambient.data);
    GuidedParams gp;
    gp.radius = p.radius;
    gp.eps = p.eps;
    gp.single = p.single;
    const auto nk = static_cast<size_t>(n * K), nc = static_cast<size_t>(n * C);
    // fields are row-planar (plane q of row y at (y * K + q) * w); images interleaved [y][x][c]
    auto rows = [&](auto&& fn) { for_bands(h, kBandRows, fn); };
    // v(x) = b + a_0 F_0 + ... of target channel ch on row y of `field`, passed to use(x, v)
    auto apply_row = [&](const double* field, int64_t y, int ch, auto&& use) {
        const double* ab = field + (y * K + ch * (CG + 1)) * w;
        const float* fr = f + y * w * CG;
        for (int64_t x = 0; x < w; ++x) {
            double v = ab[CG * w + x];
            for (int g = 0; g < CG; ++g) v += ab[g * w + x] * static_cast<double>(fr[x * CG + g]);
            use(x, v);
        }
    };

    // diffusion: x_n = W_F x_{n-1} on the coarse grid, x_0 = A; cx holds the last fit
    fusion::ScratchArray<double> cx(nk);
    fusion::ScratchArray<float> x(nc), tmp(nc);
    for (int64_t it = 0; it < p.n_diffusion; ++it) {
        guided_coefficients(f32_view(const_cast<float*>(it == 0 ? a : x.data()), h, w, C), flash, cx.data(),
                            gp);
        rows([&](int64_t y0, int64_t y1) {
            for (int64_t y = y0; y < y1; ++y)
                for (int ch = 0; ch < C; ++ch)
                    apply_row(cx.data(), y, ch,
                              [&](int64_t i, double v) { x[(y * w + i) * C + ch] = static_cast<float>(v); });
        });
    }
    if (p.n_residual == 0) {
        rows([&](int64_t y0, int64_t y1) {
            for (int64_t i = y0 * K * w; i < y1 * K * w; ++i) coef[i] = cx[i] * p.scale;
        });
        return;
    }

    // relit flash z_0 = ratio (M F), ratio = (B[A] + delta) / (B[M F] + delta) (float32); its
    // field (a_g = ratio_c M[c][g], b = 0) is added to the residual fits' sum at the end
    fusion::ScratchArray<float> fmix(nc), ratio(nc), z(nc);
    for_bands(n, kBlockPixels, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
            for (int ch = 0; ch < C; ++ch) {
                double v = 0.0;
                for (int g = 0; g < CG; ++g) v += mix[ch * CG + g] * static_cast<double>(f[i * CG + g]);
                fmix[i * C + ch] = static_cast<float>(v);
            }
    });
    box_filter(ambient, f32_view(ratio.data(), h, w, C), p.relight_radius, Border::clipped);
    box_filter(f32_view(fmix.data(), h, w, C), f32_view(tmp.data(), h, w, C), p.relight_radius,
               Border::clipped);
    const float delta = static_cast<float>(p.delta);
    for_bands(static_cast<int64_t>(nc), kBlockPixels, [&](int64_t j0, int64_t j1) {
        for (int64_t j = j0; j < j1; ++j) {
            ratio[j] = (ratio[j] + delta) / (tmp[j] + delta);
            z[j] = fmix[j] * ratio[j];
            tmp[j] = a[j] - z[j];  // the first residual
        }
    });
    // residual: z_n = z_{n-1} + W_F (A - z_{n-1}); cz sums the fits (the first is written
    // into it directly, the others through `step`)
    fusion::ScratchArray<double> cz(nk);
    fusion::ScratchArray<double> step(p.n_residual > 1 ? nk : 1);
    for (int64_t it = 0; it < p.n_residual; ++it) {
        double* fit = it == 0 ? cz.data() : step.data();
        guided_coefficients(f32_view(tmp.data(), h, w, C), flash, fit, gp);
        const bool last = it + 1 == p.n_residual;
        rows([&](int64_t y0, int64_t y1) {
            if (it > 0)
                for (int64_t i = y0 * K * w; i < y1 * K * w; ++i) cz[i] += step[i];
            for (int64_t y = y0; y < y1; ++y)
                for (int ch = 0; ch < C; ++ch)
                    apply_row(fit, y, ch, [&](int64_t i, double v) {
                        const int64_t j = (y * w + i) * C + ch;
                        z[j] += static_cast<float>(v);
                        const float d = z[j] - x[j];
                        tmp[j] = last ? d * d : a[j] - z[j];  // the next residual, or (z - x)^2
                    });
        });
    }
    // blend: w = s2 / (s2 + B[(z - x)^2]) per pixel and target channel; the field
    // cx + w (cz + z_0's field - cx), times scale
    const float* d2 = tmp.data();
    if (p.blend_radius > 0) {
        box_filter(f32_view(tmp.data(), h, w, C), f32_view(fmix.data(), h, w, C), p.blend_radius,
                   Border::clipped);
        d2 = fmix.data();
    }
    rows([&](int64_t y0, int64_t y1) {
        std::vector<double> wt(static_cast<size_t>(w));
        for (int64_t y = y0; y < y1; ++y)
            for (int ch = 0; ch < C; ++ch) {
                const float* d2r = d2 + y * w * C + ch;
                const float* rr = ratio.data() + y * w * C + ch;
                for (int64_t i = 0; i < w; ++i)
                    wt[i] = p.noise_var / (p.noise_var + static_cast<double>(d2r[i * C]));
                for (int q = 0; q <= CG; ++q) {
                    const int64_t o = (y * K + ch * (CG + 1) + q) * w;
                    const double m = q < CG ? mix[ch * CG + q] : 0.0;
                    for (int64_t i = 0; i < w; ++i) {
                        const double zf = cz[o + i] + static_cast<double>(rr[i * C]) * m;
                        coef[o + i] = (cx[o + i] + wt[i] * (zf - cx[o + i])) * p.scale;
                    }
                }
            }
    });
}

/// coarse_iteration for the runtime channel counts.
template <int CG>
void coarse_dispatch(const ImageView& ambient, const ImageView& flash, const double* mix,
                     const CoarseIterativeParams& p, double* coef) {
    switch (ambient.channels) {
        case 1:
            return coarse_iteration<1, CG>(ambient, flash, mix, p, coef);
        case 2:
            return coarse_iteration<2, CG>(ambient, flash, mix, p, coef);
        case 3:
            return coarse_iteration<3, CG>(ambient, flash, mix, p, coef);
        default:
            return coarse_iteration<4, CG>(ambient, flash, mix, p, coef);
    }
}

}  // namespace

void coarse_iterative_coefficients(const ImageView& ambient, const ImageView& flash, const double* mix,
                                   const CoarseIterativeParams& p, double* coef) {
    check_view(ambient, "ambient");
    check_view(flash, "flash");
    JF_CHECK(ambient.dtype == DType::f32 && flash.dtype == DType::f32, "ambient and flash must be float32");
    JF_CHECK(ambient.channels >= 1 && ambient.channels <= 4, "ambient must have 1 to 4 channels");
    JF_CHECK(flash.channels == 1 || flash.channels == 3, "flash must have 1 or 3 channels");
    JF_CHECK(ambient.height == flash.height && ambient.width == flash.width,
             "ambient and flash must have the same height and width");
    JF_CHECK(ambient.row_stride == ambient.width * ambient.channels &&
                 flash.row_stride == flash.width * flash.channels,
             "ambient and flash must be C-contiguous");
    JF_CHECK(p.radius >= 1 && p.n_diffusion >= 1 && p.n_residual >= 0 && p.relight_radius >= 0 &&
                 p.blend_radius >= 0,
             "radius and n_diffusion must be >= 1; n_residual and the box radii >= 0");
    JF_CHECK(p.noise_var > 0.0 && p.eps > 0.0, "noise_var and eps must be > 0");
    if (flash.channels == 3) {
        coarse_dispatch<3>(ambient, flash, mix, p, coef);
    } else {
        coarse_dispatch<1>(ambient, flash, mix, p, coef);
    }
}

}  // namespace jointfilter
