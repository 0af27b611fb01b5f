// Device arrays as the Python dispatcher (python/jointfilter/_cuda.py) describes them, shared
// by the CUDA bindings in bindings.cpp and bind_cuda_object.cpp.
#pragma once

#include <cstdint>
#include <tuple>

#include "guided_sweeps.hpp"
#include "jointfilter/image.hpp"

namespace jointfilter {

/// (pointer, dtype code, height, width, channels, row stride in elements) of a device array,
/// as the Python dispatcher reads it from __cuda_array_interface__.
using DeviceArray = std::tuple<uintptr_t, int, int64_t, int64_t, int64_t, int64_t>;

inline sweep::Image device_image(const DeviceArray& a) {
    sweep::Image img;
    img.data = reinterpret_cast<void*>(std::get<0>(a));
    img.dtype = std::get<1>(a);
    img.height = std::get<2>(a);
    img.width = std::get<3>(a);
    img.channels = std::get<4>(a);
    img.row_stride = std::get<5>(a);
    JF_CHECK(img.dtype >= 0 && img.dtype <= 2, "device array dtype code out of range");
    return img;
}

}  // namespace jointfilter
