// Per-window arithmetic of the guided filter, in one place for the CPU kernels (where T is a
// 4-lane vector of doubles) and the CUDA kernels (where T is double): the same formulas in
// the same order, so both round identically (contraction into FMA is disabled in both builds).
#pragma once

#if defined(__CUDACC__)
#define JF_HD __host__ __device__ __forceinline__
#else
// Internal linkage: the kernels are compiled once per instruction set, and a template
// instantiated on vector types in two such files must not be merged by the linker (the two
// copies pass vectors differently, and the one that wins would be called from both).
#define JF_HD static inline
#endif

namespace jointfilter {
namespace math {

/// Moment k of the first pass as a product u_i * u_j of the planes u = (I_0..I_{cg-1},
/// p_0..p_{ct-1}); j < 0 means u_i alone. Layout (see moment_count in kernel_job.hpp):
///   gray (cg == 1):   0: I, 1: I*I, 2 + c: p_c, 2 + ct + c: I*p_c
///   colour (cg == 3): 0..2: I_0..I_2, 3..8: I0I0 I0I1 I0I2 I1I1 I1I2 I2I2,
///                     9 + 4c: p_c, 10 + 4c + g: I_g*p_c
JF_HD constexpr void moment_pair(int cg, int ct, int k, int& i, int& j) {
    if (cg == 1) {
        if (k == 0) {
            i = 0, j = -1;
        } else if (k == 1) {
            i = 0, j = 0;
        } else if (k < 2 + ct) {
            i = 1 + (k - 2), j = -1;
        } else {
            i = 0, j = 1 + (k - 2 - ct);
        }
        return;
    }
    if (k < 3) {
        i = k, j = -1;
    } else if (k < 9) {
        const int pi[6] = {0, 0, 0, 1, 1, 2};
        const int pj[6] = {0, 1, 2, 1, 2, 2};
        i = pi[k - 3], j = pj[k - 3];
    } else {
        const int c = (k - 9) / 4, r = (k - 9) % 4;
        if (r == 0) {
            i = 3 + c, j = -1;
        } else {
            i = r - 1, j = 3 + c;
        }
    }
}

/// Gray guide: from window means of I, I*I, p, I*p to the coefficients (a, b).
/// `zero` is T's zero (a scalar or a vector), used to clamp the variance.
template <typename T>
JF_HD void gray_coefficients(T mean_i, T mean_ii, T mean_p, T mean_ip, T eps, T zero, T one, T& a, T& b) {
    T var = mean_ii - mean_i * mean_i;
    var = (var > zero ? var : zero) + eps;
    a = (mean_ip - mean_i * mean_p) * (one / var);
    b = mean_p - a * mean_i;
}

/// Gray guide, edge-aware (WGIF / GDGIF): per-window regulariser `eps` and prior `gamma` of a,
/// a = (cov + eps gamma) / (var + eps). With gamma = 0 this is gray_coefficients.
template <typename T>
JF_HD void gray_coefficients_prior(T mean_i, T mean_ii, T mean_p, T mean_ip, T eps, T gamma, T zero, T one,
                                   T& a, T& b) {
    T var = mean_ii - mean_i * mean_i;
    var = (var > zero ? var : zero) + eps;
    a = (mean_ip - mean_i * mean_p + eps * gamma) * (one / var);
    b = mean_p - a * mean_i;
}

/// Colour guide: the symmetric inverse of (Sigma + eps U) by cofactors. Inputs are the window
/// means of I_0..I_2 and of the six products I_c I_d (c <= d); outputs the six cofactors and
/// 1 / det. In double the cancellation of near-singular windows stays ~1e-10 relative even
/// for eps = 1e-6 on [0, 1] data.
template <typename T>
struct ColorInverse {
    T m0, m1, m2;                    // window means of the guide channels
    T c00, c01, c02, c11, c12, c22;  // cofactors of Sigma + eps U
    T inv_det;
};

template <typename T>
JF_HD ColorInverse<T> color_inverse(const T* mean, T eps, T zero, T one) {
    // mean: I0 I1 I2, I0I0 I0I1 I0I2 I1I1 I1I2 I2I2
    ColorInverse<T> r;
    r.m0 = mean[0], r.m1 = mean[1], r.m2 = mean[2];
    T s00 = mean[3] - r.m0 * r.m0;
    const T s01 = mean[4] - r.m0 * r.m1;
    const T s02 = mean[5] - r.m0 * r.m2;
    T s11 = mean[6] - r.m1 * r.m1;
    const T s12 = mean[7] - r.m1 * r.m2;
    T s22 = mean[8] - r.m2 * r.m2;
    s00 = (s00 > zero ? s00 : zero) + eps;
    s11 = (s11 > zero ? s11 : zero) + eps;
    s22 = (s22 > zero ? s22 : zero) + eps;
    r.c00 = s11 * s22 - s12 * s12;
    r.c01 = s02 * s12 - s01 * s22;
    r.c02 = s01 * s12 - s02 * s11;
    r.c11 = s00 * s22 - s02 * s02;
    r.c12 = s01 * s02 - s00 * s12;
    r.c22 = s00 * s11 - s01 * s01;
    r.inv_det = one / (s00 * r.c00 + s01 * r.c01 + s02 * r.c02);
    return r;
}

/// Colour guide, one target channel: window means of p and I_c p to (a_0, a_1, a_2, b).
template <typename T>
JF_HD void color_coefficients(const ColorInverse<T>& g, T mean_p, T mean_i0p, T mean_i1p, T mean_i2p, T* ab) {
    const T v0 = mean_i0p - g.m0 * mean_p;
    const T v1 = mean_i1p - g.m1 * mean_p;
    const T v2 = mean_i2p - g.m2 * mean_p;
    const T a0 = (g.c00 * v0 + g.c01 * v1 + g.c02 * v2) * g.inv_det;
    const T a1 = (g.c01 * v0 + g.c11 * v1 + g.c12 * v2) * g.inv_det;
    const T a2 = (g.c02 * v0 + g.c12 * v1 + g.c22 * v2) * g.inv_det;
    ab[0] = a0;
    ab[1] = a1;
    ab[2] = a2;
    ab[3] = mean_p - (a0 * g.m0 + a1 * g.m1 + a2 * g.m2);
}

}  // namespace math
}  // namespace jointfilter
