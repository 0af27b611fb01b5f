// Border rules of the box filter, as index maps along one axis.
//
// A window of radius r at position i covers the *virtual* indices [i - r, i + r]. A border rule
// maps a virtual index to a real one (or to "none" for the clipped rule, whose windows simply
// stop at the edge and are normalised by the in-image count). Every sliding-sum kernel in the
// library is written against this map, so all borders share one code path.
#pragma once

#include <cstdint>
#include <vector>

namespace jointfilter {

enum class Border : int {
    clipped = 0,    // He et al.: window clipped to the image, mean over the valid part
    symmetric = 1,  // numpy "symmetric" = OpenCV BORDER_REFLECT (fedcba|abcdef)
    reflect = 2,    // numpy "reflect" = OpenCV BORDER_REFLECT_101 (fedcb|abcdef)
    edge = 3,       // numpy "edge" = OpenCV BORDER_REPLICATE
};

/// Real index for virtual index v on an axis of length n, or -1 (clipped, outside).
inline int64_t border_map(int64_t v, int64_t n, Border border) {
    if (v >= 0 && v < n) return v;
    switch (border) {
        case Border::clipped:
            return -1;
        case Border::edge:
            return v < 0 ? 0 : n - 1;
        case Border::symmetric: {
            const int64_t period = 2 * n;
            int64_t m = v % period;
            if (m < 0) m += period;
            return m < n ? m : period - 1 - m;
        }
        case Border::reflect: {
            if (n == 1) return 0;  // nothing to reflect: behaves like "edge"
            const int64_t period = 2 * n - 2;
            int64_t m = v % period;
            if (m < 0) m += period;
            return m < n ? m : period - m;
        }
    }
    return -1;
}

/// Everything a sliding window sum needs along one axis, computed once per call.
struct AxisPlan {
    int64_t n = 0;
    int64_t radius = 0;
    Border border = Border::clipped;
    std::vector<int64_t> enter;  // enter[i]: real index entering when the window moves i-1 -> i
    std::vector<int64_t> leave;  // leave[i]: real index leaving at that step (-1: none)
    std::vector<double> count;   // number of samples in the window at i (the divisor)

    AxisPlan() = default;
    AxisPlan(int64_t n_, int64_t radius_, Border border_) : n(n_), radius(radius_), border(border_) {
        enter.resize(n);
        leave.resize(n);
        count.resize(n);
        for (int64_t i = 0; i < n; ++i) {
            enter[i] = border_map(i + radius, n, border);
            leave[i] = border_map(i - radius - 1, n, border);
            if (border == Border::clipped) {
                const int64_t lo = i - radius < 0 ? 0 : i - radius;
                const int64_t hi = i + radius > n - 1 ? n - 1 : i + radius;
                count[i] = static_cast<double>(hi - lo + 1);
            } else {
                count[i] = static_cast<double>(2 * radius + 1);
            }
        }
    }

    /// The window at position i as (real index, weight) pairs: walked directly for small radii
    /// (summation order then matches a plain loop), counted per index for huge ones.
    void window_list(int64_t i, std::vector<int64_t>& index, std::vector<double>& weight) const {
        index.clear();
        weight.clear();
        if (2 * radius + 1 <= 2 * n) {
            for (int64_t v = i - radius; v <= i + radius; ++v) {
                const int64_t m = border_map(v, n, border);
                if (m >= 0) index.push_back(m), weight.push_back(1.0);
            }
            return;
        }
        const std::vector<double> mult = multiplicity(i);
        for (int64_t j = 0; j < n; ++j)
            if (mult[j] != 0.0) index.push_back(j), weight.push_back(mult[j]);
    }

    /// How often each real index occurs in the window of position i: O(n) for any radius
    /// (whole periods of the reflected sequence are counted, not walked).
    std::vector<double> multiplicity(int64_t i) const {
        std::vector<double> mult(n, 0.0);
        int64_t lo = i - radius;
        const int64_t hi = i + radius;
        if (border == Border::clipped) {
            for (int64_t v = lo < 0 ? 0 : lo; v <= hi && v < n; ++v) mult[v] = 1.0;
            return mult;
        }
        if (border == Border::edge) {
            for (int64_t v = 0; v < n; ++v) mult[v] = (v >= lo && v <= hi) ? 1.0 : 0.0;
            if (lo < 0) mult[0] += static_cast<double>((hi < -1 ? hi : -1) - lo + 1);
            if (hi >= n) mult[n - 1] += static_cast<double>(hi - (lo > n ? lo : n) + 1);
            return mult;
        }
        // symmetric / reflect: periodic, each period visits index j a fixed number of times
        int64_t period = border == Border::symmetric ? 2 * n : 2 * n - 2;
        if (period <= 0) period = 1;  // n == 1 with reflect
        const int64_t length = hi - lo + 1;
        const int64_t whole = length / period;
        if (whole > 0) {
            for (int64_t j = 0; j < n; ++j) {
                double per = 0.0;
                if (n == 1)
                    per = static_cast<double>(period);
                else if (border == Border::symmetric)
                    per = 2.0;
                else
                    per = (j == 0 || j == n - 1) ? 1.0 : 2.0;
                mult[j] = per * static_cast<double>(whole);
            }
        }
        for (int64_t v = lo + whole * period; v <= hi; ++v) mult[border_map(v, n, border)] += 1.0;
        return mult;
    }
};

}  // namespace jointfilter
