// Image views and the error type shared by every kernel family.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace jointfilter {

/// Element types the kernels read and write. Python float64 is converted to float32 before
/// it reaches C++ (design.md: "float64 accepted by functions, computed in float32").
enum class DType : int { u8 = 0, u16 = 1, f32 = 2 };

/// Non-owning view of a channels-last image. Pixels in a row are contiguous (pixel stride ==
/// channels); rows may be strided (crops, padded frames). Strides are in elements, not bytes.
struct ImageView {
    void* data = nullptr;
    DType dtype = DType::f32;
    int64_t height = 0;
    int64_t width = 0;
    int64_t channels = 1;
    int64_t row_stride = 0;  // elements between the starts of consecutive rows

    template <typename T>
    T* row(int64_t y) const {
        return static_cast<T*>(data) + y * row_stride;
    }
};

/// Row y of `v` as read-only T elements.
template <typename T>
const T* crow(const ImageView& v, int64_t y) {
    return v.row<const T>(y);
}

/// A one-channel float32 view of `data` (h x w, rows `row_stride` floats apart).
inline ImageView float_plane(float* data, int64_t h, int64_t w, int64_t row_stride) {
    ImageView v;
    v.data = data;
    v.dtype = DType::f32;
    v.height = h;
    v.width = w;
    v.channels = 1;
    v.row_stride = row_stride;
    return v;
}

/// Thrown for violated preconditions; the bindings turn it into Python's ValueError.
/// The Python layer validates first, so reaching this means a binding-level misuse.
class invalid_argument : public std::invalid_argument {
 public:
    using std::invalid_argument::invalid_argument;
};

/// Thrown after a filter read a NaN or Inf: running sums cannot recover from one, so the result
/// would be silently wrong far beyond the offending pixel.
class nonfinite_input : public invalid_argument {
 public:
    using invalid_argument::invalid_argument;
};

#define JF_CHECK(cond, msg)                                                                       \
    do {                                                                                          \
        if (!(cond)) throw ::jointfilter::invalid_argument(std::string("jointfilter: ") + (msg)); \
    } while (0)

/// Invariants every view handed to a kernel must satisfy (the bindings build views from
/// arbitrary arrays, so the kernels check them once more).
inline void check_view(const ImageView& v, const char* name) {
    JF_CHECK(v.data != nullptr || v.height * v.width == 0, std::string(name) + ": null data");
    JF_CHECK(v.height >= 0 && v.width >= 0, std::string(name) + ": negative size");
    JF_CHECK(v.channels >= 1, std::string(name) + ": needs at least one channel");
    JF_CHECK(v.row_stride >= v.width * v.channels || v.height <= 1,
             std::string(name) + ": row stride shorter than a row");
}

}  // namespace jointfilter
