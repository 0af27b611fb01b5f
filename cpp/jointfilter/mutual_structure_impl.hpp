// Mutual-structure filter kernel: one iteration as a streaming, fused row pipeline.
//
// Included once per instruction set (mutual_structure.cpp: baseline, mutual_structure_avx2.cpp:
// AVX2) with JF_ARCH naming a namespace of its own; everything else is in an anonymous
// namespace, so no function is shared between differently compiled files. The loops are plain
// per-pixel loops over x that the compiler vectorises; contraction is off build-wide, so both
// builds give the same bits.
//
// Pipeline of one band of output rows [y0, y1) (bands are split into column strips only
// beyond 2048 columns; a strip carries its own halo of r and 2r columns):
//   coefficient row m (m in [y0 - r, y1 + r) clipped):  slide the vertical column sums of
//       I, G, IG, II, GG to the window of row m (rows enter and leave from the current planes)
//       -> padded prefix sums along x -> window sums, a, b, c, d and the five terms / N in one
//       loop, stored in a ring of min(2r + 1, H) rows and added to a second set of column sums
//       (in steady state the entering row replaces the leaving one in the same loop);
//   output row y:  prefix sums of those column sums -> window sums and the 2x2 solve in one
//       loop -> I, G of row y.
// Scratch is O(width x radius) per worker. Everything is float64; the sums of the first pass
// are of exactly representable values (float products are exact in double). Band and strip
// boundaries depend on the image size and radius only: bit-identical for any thread count.
#ifndef JF_ARCH
#error "define JF_ARCH before including mutual_structure_impl.hpp"
#endif

#include <cstdint>
#include <cstring>

#include "mutual_structure.hpp"
#include "parallel.hpp"

namespace jointfilter {
namespace JF_ARCH {
namespace {

constexpr int kMoments = 5;  // window sums of I, G, IG, II, GG
constexpr int kTerms = 5;    // (1 + c^2)/N, (1 + a^2)/N, (a + c)/N, (b - c d)/N, (d - a b)/N

inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a < b ? b : a; }

/// Scratch of one worker: moment and term column sums [10][ld], the ring of coefficient rows
/// [ring_rows][5][ld], then the padded prefix sums of both [10][lde].
constexpr int64_t kSumRows = 10, kPrefixRows = 10;

inline int64_t ring_rows(int64_t height, int64_t radius) { return imin(2 * radius + 1, height); }

// Per-pixel loops take every row as a separate __restrict parameter: GCC honours restrict
// reliably on parameters (also after inlining), not on locals loaded from pointer arrays, and
// without it the loops with many outputs are not vectorised at all.
#define JF_R __restrict

// ---------------------------------------------------------------------------------------------
// first pass: moments

/// c[k] += (I, G, IG, II, GG) of one row (kAdd), or -= (!kAdd).
template <bool kAdd>
void moments_row(const float* JF_R ri, const float* JF_R rg, double* JF_R c0, double* JF_R c1,
                 double* JF_R c2, double* JF_R c3, double* JF_R c4, int64_t w) {
    for (int64_t x = 0; x < w; ++x) {
        const double i = ri[x], g = rg[x];
        if (kAdd) {
            c0[x] += i, c1[x] += g, c2[x] += i * g, c3[x] += i * i, c4[x] += g * g;
        } else {
            c0[x] -= i, c1[x] -= g, c2[x] -= i * g, c3[x] -= i * i, c4[x] -= g * g;
        }
    }
}

/// The window moves down one row: row (ni, ng) enters, row (oi, og) leaves.
void moments_slide(const float* JF_R ni, const float* JF_R ng, const float* JF_R oi, const float* JF_R og,
                   double* JF_R c0, double* JF_R c1, double* JF_R c2, double* JF_R c3, double* JF_R c4,
                   int64_t w) {
    for (int64_t x = 0; x < w; ++x) {
        const double i = ni[x], g = ng[x], io = oi[x], go = og[x];
        c0[x] += i - io;
        c1[x] += g - go;
        c2[x] += i * g - io * go;
        c3[x] += i * i - io * io;
        c4[x] += g * g - go * go;
    }
}

// ---------------------------------------------------------------------------------------------
// horizontal window sums
//
// A row segment s[0, n) gets padded prefix sums e[pad + j] = s[0] + ... + s[j - 1], clamped to
// 0 for j < 0 and to the full sum for j > n (pad >= r). The window sum over the clipped
// window [j - r, j + r] is then e[pad + j + r + 1] - e[pad + j - r] for every j without a
// branch: the per-pixel loops read it from two shifted pointers, hi = e + pad + r + 1 and
// lo = e + pad - r. A segment edge is always an image edge or at least r columns beyond the
// columns whose window sums are read, so clamping at the segment is clamping at the image.

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

inline v4d load4(const double* p) {
    v4d v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// Prefix sums of four values in a vector: [a, a + b, (b + c) + a, (c + d) + (a + b)], plus
/// the running total `carry` (all lanes equal), which becomes the new total (the last lane
/// broadcast: one add fewer than adding the vector's total to the carry, and the same bits).
/// The same vector code in both builds (SSE2 splits it into halves), so the bits do not
/// depend on the build.
inline v4d scan4(v4d v, v4d& carry) {
    const v4d z = {0.0, 0.0, 0.0, 0.0};
    v += __builtin_shuffle(z, v, v4i{0, 4, 5, 6});
    v += __builtin_shuffle(z, v, v4i{0, 1, 4, 5});
    const v4d out = v + carry;
    carry = v4d{out[3], out[3], out[3], out[3]};  // (a generic shuffle goes through memory in SSE2)
    return out;
}

/// Padded prefix sums of five rows at once: four values per step, five independent chains.
void prefix5(const double* JF_R s0, const double* JF_R s1, const double* JF_R s2, const double* JF_R s3,
             const double* JF_R s4, double* JF_R e0, double* JF_R e1, double* JF_R e2, double* JF_R e3,
             double* JF_R e4, int64_t n, int64_t pad) {
    for (int64_t j = 0; j <= pad; ++j) e0[j] = e1[j] = e2[j] = e3[j] = e4[j] = 0.0;
    e0 += pad + 1, e1 += pad + 1, e2 += pad + 1, e3 += pad + 1, e4 += pad + 1;
    v4d a0 = {0.0, 0.0, 0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0, a4 = a0;
    int64_t j = 0;
    for (; j + 4 <= n; j += 4) {
        const v4d v0 = scan4(load4(s0 + j), a0), v1 = scan4(load4(s1 + j), a1), v2 = scan4(load4(s2 + j), a2);
        const v4d v3 = scan4(load4(s3 + j), a3), v4 = scan4(load4(s4 + j), a4);
        std::memcpy(e0 + j, &v0, sizeof v0);
        std::memcpy(e1 + j, &v1, sizeof v1);
        std::memcpy(e2 + j, &v2, sizeof v2);
        std::memcpy(e3 + j, &v3, sizeof v3);
        std::memcpy(e4 + j, &v4, sizeof v4);
    }
    double t0 = a0[0], t1 = a1[0], t2 = a2[0], t3 = a3[0], t4 = a4[0];
    for (; j < n; ++j) {
        t0 += s0[j], t1 += s1[j], t2 += s2[j], t3 += s3[j], t4 += s4[j];
        e0[j] = t0, e1[j] = t1, e2[j] = t2, e3[j] = t3, e4[j] = t4;
    }
    for (; j < n + pad; ++j) e0[j] = t0, e1[j] = t1, e2[j] = t2, e3[j] = t3, e4[j] = t4;
}

void prefix5(double* const* s, double* const* e, int64_t n, int64_t pad) {
    prefix5(s[0], s[1], s[2], s[3], s[4], e[0], e[1], e[2], e[3], e[4], n, pad);
}

// ---------------------------------------------------------------------------------------------
// per-pixel steps

/// Coefficient row from its moments' window sums (hi - lo, see above): the five terms / N
/// replace the ring row q (in place: with kLeave the row they replace is the one leaving the
/// second pass's window, subtracted from its column sums c in the same loop) and are added to c.
template <bool kLeave>
void coefficient_row(const double* JF_R hi0, const double* JF_R hi1, const double* JF_R hi2,
                     const double* JF_R hi3, const double* JF_R hi4, const double* JF_R lo0,
                     const double* JF_R lo1, const double* JF_R lo2, const double* JF_R lo3,
                     const double* JF_R lo4, const double* JF_R inv_nx, double inv_ny, double eps_i,
                     double eps_g, double* JF_R q0, double* JF_R q1, double* JF_R q2, double* JF_R q3,
                     double* JF_R q4, double* JF_R c0, double* JF_R c1, double* JF_R c2, double* JF_R c3,
                     double* JF_R c4, int64_t w) {
    for (int64_t x = 0; x < w; ++x) {
        const double inv_n = inv_ny * inv_nx[x];
        const double mi = (hi0[x] - lo0[x]) * inv_n, mg = (hi1[x] - lo1[x]) * inv_n;
        const double cov = (hi2[x] - lo2[x]) * inv_n - mi * mg;
        double var_i = (hi3[x] - lo3[x]) * inv_n - mi * mi;
        double var_g = (hi4[x] - lo4[x]) * inv_n - mg * mg;
        var_g = (var_g > 0.0 ? var_g : 0.0) + eps_i;
        var_i = (var_i > 0.0 ? var_i : 0.0) + eps_g;
        const double inv = 1.0 / (var_g * var_i);  // one division for both slopes
        const double a = cov * var_i * inv, c = cov * var_g * inv;
        const double b = mi - a * mg, d = mg - c * mi;
        const double t0 = (1.0 + c * c) * inv_n;
        const double t1 = (1.0 + a * a) * inv_n;
        const double t2 = (a + c) * inv_n;
        const double t3 = (b - c * d) * inv_n;
        const double t4 = (d - a * b) * inv_n;
        if (kLeave) {
            c0[x] += t0 - q0[x], c1[x] += t1 - q1[x], c2[x] += t2 - q2[x], c3[x] += t3 - q3[x];
            c4[x] += t4 - q4[x];
        } else {
            c0[x] += t0, c1[x] += t1, c2[x] += t2, c3[x] += t3, c4[x] += t4;
        }
        q0[x] = t0, q1[x] = t1, q2[x] = t2, q3[x] = t3, q4[x] = t4;
    }
}

/// False if a value is NaN or Inf (x - x is 0 for every finite x, NaN otherwise).
bool all_finite(const double* v, int64_t n) {
    double acc = 0.0;
    for (int64_t x = 0; x < n; ++x) acc += v[x] - v[x];
    return acc == 0.0;
}

/// A coefficient row leaves the second pass's window.
void row_subtract(double* JF_R c, const double* JF_R q, int64_t w) {
    for (int64_t x = 0; x < w; ++x) c[x] -= q[x];
}

/// Output row: the per-pixel 2x2 system from the terms' window sums (hi - lo), solved by
/// Cramer's rule.
void solve_row(const double* JF_R hi0, const double* JF_R hi1, const double* JF_R hi2, const double* JF_R hi3,
               const double* JF_R hi4, const double* JF_R lo0, const double* JF_R lo1, const double* JF_R lo2,
               const double* JF_R lo3, const double* JF_R lo4, const float* JF_R ri0, const float* JF_R rg0,
               double lam_i, double lam_g, float* JF_R out_i, float* JF_R out_g, int64_t w) {
    for (int64_t x = 0; x < w; ++x) {
        const double m11 = lam_i + (hi0[x] - lo0[x]);
        const double m22 = lam_g + (hi1[x] - lo1[x]);
        const double m12 = hi2[x] - lo2[x];  // the off-diagonal entry is -m12
        const double r1 = lam_i * static_cast<double>(ri0[x]) + (hi3[x] - lo3[x]);
        const double r2 = lam_g * static_cast<double>(rg0[x]) + (hi4[x] - lo4[x]);
        const double inv_det = 1.0 / (m11 * m22 - m12 * m12);
        out_i[x] = static_cast<float>((m22 * r1 + m12 * r2) * inv_det);
        out_g[x] = static_cast<float>((m11 * r2 + m12 * r1) * inv_det);
    }
}

#undef JF_R

// ---------------------------------------------------------------------------------------------
// one band

/// Columns of one strip: outputs [x0, x1), coefficients [qx0, qx1), moments [ax0, ax1).
struct Strip {
    int64_t x0, x1, qx0, qx1, ax0, ax1;
};

/// Rows [y0, y1) x columns of `st`; the strip's scratch starts from zero.
void strip_rows(const MutualJob& job, const Strip& st, int64_t y0, int64_t y1, double* base) {
    // a clipped window reaching past both ends of an axis is the whole axis: clamping the
    // radius per axis changes nothing and bounds the padding and the ring
    const int64_t h = job.cur_i.height, rx = imin(job.radius, job.cur_i.width), ry = imin(job.radius, h);
    const int64_t ld = job.ld, lde = job.lde, pad = rx, r = ry;
    const int64_t n_ring = ring_rows(h, ry);
    const int64_t na = st.ax1 - st.ax0, nq = st.qx1 - st.qx0, nx = st.x1 - st.x0;
    double *A[5], *EA[5], *B[5], *EB[5];  // moment / term column sums and their prefix sums
    double* const ring = base + kSumRows * ld;
    double* const prefix = ring + n_ring * kTerms * ld;
    for (int k = 0; k < 5; ++k) {
        A[k] = base + k * ld;
        B[k] = base + (5 + k) * ld;
        EA[k] = prefix + k * lde;
        EB[k] = prefix + (5 + k) * lde;
    }
    for (int k = 0; k < 5; ++k) {
        std::memset(A[k], 0, sizeof(double) * na);
        std::memset(B[k], 0, sizeof(double) * nq);
    }
    // window sums at coefficient column j: EA[pad + (qx0 - ax0) + j + r + 1] - EA[... + j - r]
    const double *ha[5], *la[5], *hb[5], *lb[5];
    for (int k = 0; k < 5; ++k) {
        ha[k] = EA[k] + pad + (st.qx0 - st.ax0) + rx + 1;
        la[k] = EA[k] + pad + (st.qx0 - st.ax0) - rx;
        hb[k] = EB[k] + pad + (st.x0 - st.qx0) + rx + 1;
        lb[k] = EB[k] + pad + (st.x0 - st.qx0) - rx;
    }
    const double* inv_nx = job.inv_nx + st.qx0;
    auto row_i = [&](int64_t y) { return job.cur_i.row<const float>(y) + st.ax0; };
    auto row_g = [&](int64_t y) { return job.cur_g.row<const float>(y) + st.ax0; };
    auto slot = [&](int64_t m, int k) { return ring + ((m % n_ring) * kTerms + k) * ld; };

    int64_t a_lo = imax(0, y0 - 2 * r), a_hi = a_lo;  // source rows summed in A
    int64_t q_lo = imax(0, y0 - r), q_hi = q_lo;      // coefficient rows summed in B
    for (int64_t y = y0; y < y1; ++y) {
        const int64_t want_lo = imax(0, y - r), want_hi = imin(h, y + r + 1);
        // steady state: the entering coefficient row takes the ring slot of the leaving one
        const bool swap = want_lo - q_lo == 1 && want_hi - q_hi == 1 && (q_lo % n_ring) == (q_hi % n_ring);
        if (!swap)
            for (; q_lo < want_lo; ++q_lo)
                for (int k = 0; k < kTerms; ++k) row_subtract(B[k], slot(q_lo, k), nq);
        for (; q_hi < want_hi; ++q_hi) {
            const int64_t m = q_hi, lo = imax(0, m - r), hi = imin(h, m + r + 1);
            for (; a_lo < lo && a_hi < hi; ++a_lo, ++a_hi)
                moments_slide(row_i(a_hi), row_g(a_hi), row_i(a_lo), row_g(a_lo), A[0], A[1], A[2], A[3],
                              A[4], na);
            for (; a_hi < hi; ++a_hi)
                moments_row<true>(row_i(a_hi), row_g(a_hi), A[0], A[1], A[2], A[3], A[4], na);
            for (; a_lo < lo; ++a_lo)
                moments_row<false>(row_i(a_lo), row_g(a_lo), A[0], A[1], A[2], A[3], A[4], na);
            prefix5(A, EA, na, pad);
            auto fn = swap ? &coefficient_row<true> : &coefficient_row<false>;
            fn(ha[0], ha[1], ha[2], ha[3], ha[4], la[0], la[1], la[2], la[3], la[4], inv_nx, job.inv_ny[m],
               job.eps_i, job.eps_g, slot(m, 0), slot(m, 1), slot(m, 2), slot(m, 3), slot(m, 4), B[0], B[1],
               B[2], B[3], B[4], nq);
        }
        if (swap) ++q_lo;
        prefix5(B, EB, nq, pad);
        solve_row(hb[0], hb[1], hb[2], hb[3], hb[4], lb[0], lb[1], lb[2], lb[3], lb[4],
                  job.i0.row<const float>(y) + st.x0, job.g0.row<const float>(y) + st.x0, job.lam_i,
                  job.lam_g, job.dst_i.row<float>(y) + st.x0, job.dst_g.row<float>(y) + st.x0, nx);
    }
    // a NaN or Inf that entered a running sum never leaves it (inf - inf is NaN), and every
    // source value of the strip passed through the sums of I and G: checking them once suffices
    if (job.nonfinite) {
        const int bad = (all_finite(A[0], na) ? 0 : 1) | (all_finite(A[1], na) ? 0 : 2);
        if (bad) __atomic_fetch_or(job.nonfinite, bad, __ATOMIC_RELAXED);
    }
}

void band_task(void* ctx, int64_t band, int worker) {
    const MutualJob& job = *static_cast<const MutualJob*>(ctx);
    const int64_t h = job.cur_i.height, w = job.cur_i.width, r = imin(job.radius, w);
    const int64_t y0 = band * job.band_rows, y1 = imin(h, y0 + job.band_rows);
    for (int64_t x0 = 0; x0 < w; x0 += job.strip_cols) {
        Strip st;
        st.x0 = x0;
        st.x1 = imin(w, x0 + job.strip_cols);
        st.qx0 = imax(0, st.x0 - r);
        st.qx1 = imin(w, st.x1 + r);
        st.ax0 = imax(0, st.qx0 - r);
        st.ax1 = imin(w, st.qx1 + r);
        strip_rows(job, st, y0, y1, job.scratch[worker]);
    }
}

}  // namespace

int64_t mutual_scratch_doubles(int64_t height, int64_t radius, int64_t ld, int64_t lde) {
    return (kSumRows + kTerms * ring_rows(height, imin(radius, height))) * ld + kPrefixRows * lde;
}

void run_mutual(const MutualJob& job) {
    parallel_for(job.n_bands, job.workers, &band_task, const_cast<MutualJob*>(&job));
}

}  // namespace JF_ARCH
}  // namespace jointfilter
