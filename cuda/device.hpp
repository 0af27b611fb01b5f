// Host-side CUDA queries, callable from plain C++ (no CUDA headers needed by the caller).
#pragma once

#include <string>

namespace jointfilter {
namespace cuda {

/// Number of usable CUDA devices; 0 with a reason in *error when there is no driver or device.
int device_count(std::string* error);
/// CUDA runtime version the module was built against (e.g. 13000).
int runtime_version();

}  // namespace cuda
}  // namespace jointfilter
