// Plain-data descriptions of one filter call, handed from the dispatcher (guided_filter.cpp) to
// the kernels compiled per instruction set (kernels_*.cpp). Only pointers and integers cross
// that boundary, so the kernel files share no inline library code with the rest of the build.
#pragma once

#include <cstdint>

#include "border.hpp"
#include "image.hpp"

namespace jointfilter {

/// One axis of a sliding window, flattened from AxisPlan.
struct AxisSpec {
    int64_t n = 0;
    int64_t radius = 0;
    const int64_t* enter = nullptr;  // real index entering at i (-1: none)
    const int64_t* leave = nullptr;  // real index leaving at i (-1: none)
    const double* count = nullptr;   // samples in the window at i
};

/// Weighted list of real indices whose sum is the window at some start position.
struct InitList {
    const int64_t* index = nullptr;
    const double* weight = nullptr;
    int64_t size = 0;
};

/// Per-worker scratch, sized by the dispatcher (see scratch_doubles()).
struct Scratch {
    double* base = nullptr;
};

struct BoxJob {
    ImageView src;
    ImageView dst;
    AxisSpec rows, cols;
    InitList col_init;          // window of column 0
    const InitList* band_init;  // [n_bands]: window of each band's first row
    int64_t n_bands = 0;
    int64_t band_rows = 0;
    Scratch* scratch = nullptr;  // [workers]
    int workers = 1;
    int* nonfinite = nullptr;  // set to 1 if any running sum became NaN/Inf
    bool variance = false;     // 1-channel src: dst = max(mean(x^2) - mean(x)^2, 0), in double
};

struct GuidedJob {
    ImageView target;        // 1..4 channels
    ImageView guide;         // 1 or 3 channels, same height/width
    ImageView dst;           // output (apply mode), or unused in coefficient mode
    double* coef = nullptr;  // coefficient mode: [H][Kab][W] mean coefficients, else null
    double eps = 0.0;        // absolute, in guide units squared
    ImageView eps_map;       // f32 [H][W] per-window eps (gray guide), data null: `eps`
    ImageView gamma_map;     // f32 [H][W] per-window prior of a (gray guide), data null: 0
    ImageView apply_guide;   // pass 2 applies the coefficients to this image (the guide's shape)
    bool single = false;     // single-precision pipeline (centred float sums), else double
    AxisSpec rows, cols;
    InitList col_init;
    const InitList* pass1_init;  // [n_bands]: window of the first a/b row each band computes
    const int64_t* pass1_first;  // [n_bands]: that first a/b row
    const InitList* pass2_init;  // [n_bands]: window (over a/b rows) of the band's first row
    int64_t n_bands = 0;
    int64_t band_rows = 0;
    int64_t ring_rows = 0;  // capacity of the a/b row ring (a window plus two groups)
    Scratch* scratch = nullptr;
    int workers = 1;
    int* nonfinite = nullptr;  // set to 1 if any running sum became NaN/Inf
};

/// Coefficient-image upsampling and application (fast guided filter, final stage).
struct UpsampleJob {
    ImageView guide;     // full resolution
    ImageView dst;       // full resolution, target channel count
    const double* coef;  // [h][Kab][w] low-resolution mean coefficients (row-planar)
    int64_t low_h = 0, low_w = 0;
    int64_t target_channels = 1;
    bool single = false;  // interpolate and apply in float (precision="single"), else double
    const int64_t* y0;    // [H] lower source row, y1 = y0 + 1 clamped, weight fy
    const double* fy;
    const int64_t* x0;  // [W]
    const double* fx;
    int64_t n_bands = 0;
    int64_t band_rows = 0;
    Scratch* scratch = nullptr;
    int workers = 1;
    int* nonfinite = nullptr;  // set to 1 if an output is NaN/Inf (a non-finite guide value)
};

int64_t moment_count(int64_t guide_channels, int64_t target_channels);
int64_t coef_count(int64_t guide_channels, int64_t target_channels);

/// Kernel entry points, one set per instruction set.
#define JF_DECLARE_KERNELS(ns)                                                                     \
    namespace ns {                                                                                 \
    void run_box(const BoxJob& job);                                                               \
    void run_guided(const GuidedJob& job);                                                         \
    void run_upsample(const UpsampleJob& job);                                                     \
    int64_t box_scratch_doubles(int64_t planes, int64_t width, int64_t radius);                    \
    int64_t guided_scratch_doubles(int64_t guide_channels, int64_t target_channels, int64_t width, \
                                   int64_t radius, int64_t ring_rows, bool single);                \
    }
JF_DECLARE_KERNELS(arch_base)
JF_DECLARE_KERNELS(arch_avx2)
#undef JF_DECLARE_KERNELS

}  // namespace jointfilter
