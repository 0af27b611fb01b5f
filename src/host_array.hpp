// Host (NumPy) arrays as image views, shared by every binding file: one place for the layout
// checks below the Python validation.
#pragma once

#include <pybind11/numpy.h>

#include <cstdint>
#include <string>

#include "jointfilter/image.hpp"

namespace jointfilter {

inline DType dtype_of(const pybind11::array& a, const char* name) {
    const auto kind = a.dtype().kind();
    const auto size = a.dtype().itemsize();
    if (kind == 'u' && size == 1) return DType::u8;
    if (kind == 'u' && size == 2) return DType::u16;
    if (kind == 'f' && size == 4) return DType::f32;
    throw invalid_argument(std::string(name) + ": dtype must be uint8, uint16 or float32");
}

/// A view of a (H, W) or (H, W, C) array whose pixels are contiguous within each row.
inline ImageView view_of(const pybind11::array& a, const char* name, bool writable) {
    JF_CHECK(a.ndim() == 2 || a.ndim() == 3, std::string(name) + ": expected a 2-D or 3-D array");
    ImageView v;
    v.dtype = dtype_of(a, name);
    const auto item = static_cast<int64_t>(a.itemsize());
    v.height = a.shape(0);
    v.width = a.shape(1);
    v.channels = a.ndim() == 3 ? a.shape(2) : 1;
    const int64_t row_bytes = a.strides(0);
    JF_CHECK(v.height <= 1 || (row_bytes > 0 && row_bytes % item == 0),
             std::string(name) + ": rows must have a positive stride that is a multiple of the item size");
    JF_CHECK(v.width <= 1 || a.strides(1) == v.channels * item,
             std::string(name) + ": pixels within a row must be contiguous");
    JF_CHECK(a.ndim() == 2 || v.channels <= 1 || a.strides(2) == item,
             std::string(name) + ": channels must be contiguous");
    v.row_stride = v.height <= 1 ? v.width * v.channels : row_bytes / item;
    if (writable) JF_CHECK(a.writeable(), std::string(name) + ": array is read-only");
    v.data = const_cast<void*>(a.data());
    return v;
}

/// The data of a float64 coefficient grid (rows, k, cols), row-planar as guided_coefficients
/// writes it; rows / cols < 0 accept any size.
inline double* coefficient_grid(const pybind11::array_t<double, pybind11::array::c_style>& a,
                                const char* name, int64_t rows, int64_t k, int64_t cols, bool writable) {
    const bool ok = a.ndim() == 3 && (rows < 0 || a.shape(0) == rows) && a.shape(1) == k &&
                    (cols < 0 || a.shape(2) == cols);
    JF_CHECK(ok, std::string(name) + ": expected a C-contiguous float64 array of shape (" +
                     (rows < 0 ? std::string("h") : std::to_string(rows)) + ", " + std::to_string(k) + ", " +
                     (cols < 0 ? std::string("w") : std::to_string(cols)) + ")");
    if (writable) JF_CHECK(a.writeable(), std::string(name) + ": array is read-only");
    return const_cast<double*>(a.data());
}

}  // namespace jointfilter
