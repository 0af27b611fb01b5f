// The work of one CUDA thread of the min/max filter (erosion, dilation), as host+device
// functions.
//
// minmax_filter.cu launches one thread per (row, channel) for the row pass and one per
// interleaved column (x * C + c) for the column pass; cuda_emulation.cpp runs the same
// functions over the same grid on the CPU. The algorithm is van Herk / Gil-Werman (three
// comparisons per value and pass, O(1) state per thread); the CPU filter
// (cpp/jointfilter/minmax_filter.cpp) takes log2(window) vector comparisons instead. Both use
// the same padded lines and the same total order (-0 below +0 for float32), so whatever the
// order of the comparisons, results agree bit for bit (signed zeros included). Each thread
// writes the backward extremum h[x] into its own output line and combines it in place with the
// forward extremum g[x + 2r]: no scratch beyond the row pass's result.
#pragma once

#include <math.h>

#include <cstdint>

#include "guided_sweeps.hpp"

// JF_HD is "static inline" on the host, which a static member function cannot repeat
#if defined(__CUDACC__)
#define JF_HD_MEMBER __host__ __device__ __forceinline__
#else
#define JF_HD_MEMBER inline
#endif

namespace jointfilter {
namespace sweep {

/// Neutral elements (what the clipped border pads with).
template <typename T>
struct Bounds;
template <>
struct Bounds<uint8_t> {
    JF_HD_MEMBER static uint8_t high() { return 255; }
    JF_HD_MEMBER static uint8_t low() { return 0; }
};
template <>
struct Bounds<uint16_t> {
    JF_HD_MEMBER static uint16_t high() { return 65535; }
    JF_HD_MEMBER static uint16_t low() { return 0; }
};
template <>
struct Bounds<float> {
    JF_HD_MEMBER static float high() { return HUGE_VALF; }
    JF_HD_MEMBER static float low() { return -HUGE_VALF; }
};

template <typename T, bool Max>
struct Extreme {
    /// Ties keep `a` (equal integers are the same value).
    JF_HD_MEMBER static T apply(T a, T b) { return Max ? (a < b ? b : a) : (b < a ? b : a); }
    JF_HD_MEMBER static T neutral() { return Max ? Bounds<T>::low() : Bounds<T>::high(); }
};
/// float32: -0 counts as below +0, the CPU filter's order (cpp/jointfilter/minmax_filter.cpp
/// compares integer keys), so the result does not depend on the order of the comparisons.
/// NaN input is rejected before the result is used.
template <bool Max>
struct Extreme<float, Max> {
    JF_HD_MEMBER static float apply(float a, float b) {
        return Max ? ((a < b || (a == b && !signbit(b))) ? b : a)
                   : ((b < a || (b == a && signbit(b))) ? b : a);
    }
    JF_HD_MEMBER static float neutral() { return Max ? Bounds<float>::low() : Bounds<float>::high(); }
};

struct MinMaxParams {
    Image src, out;
    void* tmp = nullptr;               // H x (W * C) of the image's type: the row pass's result
    const int64_t* row_map = nullptr;  // H + 2 r_y entries: padded row -> real row, -1 = outside
    const int64_t* col_map = nullptr;  // W + 2 r_x entries
    int64_t r_y = 0, r_x = 0;          // radii clamped to the axis lengths, as on the CPU
    int* nan_seen = nullptr;           // set to 1 when the row pass reads a NaN (may be null)
};

/// van Herk along one line of `n` real samples padded by r on both sides: `at(m)` reads real
/// sample m, `out(x)` is the output slot of position x (also the staging slot of h[x]).
template <typename T, bool Max, typename At, typename Out>
JF_HD bool van_herk_line(int64_t n, int64_t r, const int64_t* map, At&& at, Out&& out) {
    using E = Extreme<T, Max>;
    const int64_t len = 2 * r + 1, np = n + 2 * r;
    bool nan = false;
    // backward running extremum within blocks of len (reset at block ends and at the last
    // padded position); only h[0..n) is needed, and position x's slot holds it until used
    T h = E::neutral();
    for (int64_t i = np - 1; i >= 0; --i) {
        const int64_t m = map[i];
        const T v = m < 0 ? E::neutral() : at(m);
        nan |= !(v == v);
        h = (i % len == len - 1 || i == np - 1) ? v : E::apply(h, v);
        if (i < n) out(i) = h;
    }
    // forward running extremum; the window at x is apply(h[x], g[x + 2r])
    T g = E::neutral();
    for (int64_t i = 0; i < np; ++i) {
        const int64_t m = map[i];
        const T v = m < 0 ? E::neutral() : at(m);
        g = i % len == 0 ? v : E::apply(g, v);
        if (i >= 2 * r) {
            T& o = out(i - 2 * r);
            o = E::apply(o, g);
        }
    }
    return nan;
}

/// Thread t of the row pass: row t / C, channel t % C, from src into tmp.
template <typename T, bool Max>
JF_HD void minmax_row(const MinMaxParams& p, int64_t t) {
    const int64_t c = p.src.channels, w = p.src.width;
    const int64_t y = t / c, ch = t % c;
    const T* in = static_cast<const T*>(p.src.data) + y * p.src.row_stride + ch;
    T* line = static_cast<T*>(p.tmp) + y * w * c + ch;
    const bool nan = van_herk_line<T, Max>(
        w, p.r_x, p.col_map, [&](int64_t m) { return in[m * c]; },
        [&](int64_t x) -> T& { return line[x * c]; });
    if (nan && p.nan_seen) *p.nan_seen = 1;  // benign race: every writer stores 1
}

/// Thread t of the column pass: interleaved column t (x * C + c) of tmp, into out.
template <typename T, bool Max>
JF_HD void minmax_column(const MinMaxParams& p, int64_t t) {
    const int64_t row_len = p.src.width * p.src.channels;
    const T* in = static_cast<const T*>(p.tmp) + t;
    T* line = static_cast<T*>(p.out.data) + t;
    const int64_t stride = p.out.row_stride;
    van_herk_line<T, Max>(
        p.src.height, p.r_y, p.row_map, [&](int64_t m) { return in[m * row_len]; },
        [&](int64_t y) -> T& { return line[y * stride]; });
}

}  // namespace sweep
}  // namespace jointfilter
