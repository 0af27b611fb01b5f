// The coarse-grid iterative guided filter (iterative_guided.hpp): the fits and box means are the
// core's (guided_coefficients, box_filter); the per-pixel steps between them are here.
#include "iterative_guided.hpp"

#include <cstddef>

#include "fusion.hpp"
#include "guided_filter.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace {

constexpr int64_t kBlockPixels = 16384;

/// n uninitialised values of T (float or double) from the scratch pool (fusion.hpp), returned on
/// destruction: the coarse grids of a video loop are reused instead of page-faulted in per call.
template <typename T>
class Pooled {
 public:
    explicit Pooled(size_t n) { data_ = fusion::scratch_take(n * (sizeof(T) / sizeof(float)), &capacity_); }
    ~Pooled() { fusion::scratch_give(data_, capacity_); }
    Pooled(const Pooled&) = delete;
    Pooled& operator=(const Pooled&) = delete;
    T* data() { return reinterpret_cast<T*>(data_); }
    T& operator[](size_t i) { return data()[i]; }

 private:
    float* data_ = nullptr;
    size_t capacity_ = 0;  // set by scratch_take in the constructor body (after this initialiser)
};

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

/// f(i0, i1) over blocks of pixels [0, n) on the pool (blocks fixed by n alone).
template <class F>
void for_pixels(int64_t n, F&& f) {
    for_bands(n, kBlockPixels, f);
}

/// sum_g a[g] * F[g] + a[CG] for one target channel's coefficients a (double).
template <int CG>
inline double apply_one(const double* a, const float* fi) {
    double v = a[CG];
    for (int g = 0; g < CG; ++g) v += a[g] * static_cast<double>(fi[g]);
    return v;
}

/// The iteration for C target and CG guide channels (compile-time, so the per-pixel loops unroll).
template <int C, int CG>
void coarse_iteration(const ImageView& ambient, const ImageView& flash, const double* mix,
                      const CoarseIterativeParams& p, double* coef) {
    const int64_t h = ambient.height, w = ambient.width, n = h * w;
    constexpr int64_t c = C, cg = CG, k = C * (CG + 1);
    if (n == 0) return;
    const float* f = static_cast<const float*>(flash.data);
    GuidedParams gp;
    gp.radius = p.radius;
    gp.eps = p.eps;
    gp.single = p.single;
    const auto nk = static_cast<size_t>(n * k), nc = static_cast<size_t>(n * c);

    // diffusion: x_n = W_F x_{n-1} on the coarse grid, x_0 = A; cx holds the last fit
    Pooled<double> cx(nk);
    Pooled<float> x(nc), tmp(nc);
    const float* a = static_cast<const float*>(ambient.data);
    for (int64_t it = 0; it < p.n_diffusion; ++it) {
        guided_coefficients(f32_view(const_cast<float*>(it == 0 ? a : x.data()), h, w, c), flash, cx.data(),
                            gp);
        for_pixels(n, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; ++i)
                for (int64_t ch = 0; ch < c; ++ch)
                    x[i * c + ch] =
                        static_cast<float>(apply_one<CG>(cx.data() + i * k + ch * (cg + 1), f + i * cg));
        });
    }
    if (p.n_residual == 0) {
        for_pixels(n, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0 * k; i < i1 * k; ++i) coef[i] = cx[i] * p.scale;
        });
        return;
    }

    // relit flash z_0 = (M F) * ratio, ratio = (B[A] + delta) / (B[M F] + delta) (float32)
    Pooled<float> fmix(nc), ratio(nc), z(nc);
    for_pixels(n, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
            for (int64_t ch = 0; ch < c; ++ch) {
                double v = 0.0;
                for (int64_t g = 0; g < cg; ++g) v += mix[ch * cg + g] * static_cast<double>(f[i * cg + g]);
                fmix[i * c + ch] = static_cast<float>(v);
            }
    });
    box_filter(ambient, f32_view(ratio.data(), h, w, c), p.relight_radius, Border::clipped);
    box_filter(f32_view(fmix.data(), h, w, c), f32_view(tmp.data(), h, w, c), p.relight_radius,
               Border::clipped);
    const float delta = static_cast<float>(p.delta);
    // cz: the residual branch's field, z_0's part first (ratio_c M[c][g] on a_g, no offset)
    Pooled<double> cz(nk), step(nk);
    for_pixels(n, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
            for (int64_t ch = 0; ch < c; ++ch) {
                const int64_t j = i * c + ch;
                const float r = (ratio[j] + delta) / (tmp[j] + delta);
                z[j] = fmix[j] * r;
                tmp[j] = a[j] - z[j];  // the first residual
                double* az = cz.data() + i * k + ch * (cg + 1);
                for (int64_t g = 0; g < cg; ++g) az[g] = static_cast<double>(r) * mix[ch * cg + g];
                az[cg] = 0.0;
            }
    });
    for (int64_t it = 0; it < p.n_residual; ++it) {  // z_n = z_{n-1} + W_F (A - z_{n-1})
        guided_coefficients(f32_view(tmp.data(), h, w, c), flash, step.data(), gp);
        const bool last = it + 1 == p.n_residual;
        for_pixels(n, [&](int64_t i0, int64_t i1) {
            for (int64_t i = i0; i < i1; ++i)
                for (int64_t ch = 0; ch < c; ++ch) {
                    const int64_t j = i * c + ch, o = i * k + ch * (cg + 1);
                    for (int64_t g = 0; g <= cg; ++g) cz[o + g] += step[o + g];
                    z[j] += static_cast<float>(apply_one<CG>(step.data() + o, f + i * cg));
                    const float d = z[j] - x[j];
                    tmp[j] = last ? d * d : a[j] - z[j];  // the next residual, or (z - x)^2
                }
        });
    }
    // blend: w = s2 / (s2 + B[(z - x)^2]), field cx + w (cz - cx), per target channel
    const float* d2 = tmp.data();
    if (p.blend_radius > 0) {
        box_filter(f32_view(tmp.data(), h, w, c), f32_view(ratio.data(), h, w, c), p.blend_radius,
                   Border::clipped);
        d2 = ratio.data();
    }
    for_pixels(n, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
            for (int64_t ch = 0; ch < c; ++ch) {
                const double wt = p.noise_var / (p.noise_var + static_cast<double>(d2[i * c + ch]));
                const int64_t o = i * k + ch * (cg + 1);
                for (int64_t g = 0; g <= cg; ++g)
                    coef[o + g] = (cx[o + g] + wt * (cz[o + g] - cx[o + g])) * p.scale;
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
