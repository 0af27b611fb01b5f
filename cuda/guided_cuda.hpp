// Host entry points of the CUDA guided filter (no CUDA headers needed by the caller).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "guided_sweeps.hpp"

namespace jointfilter {
namespace cuda {

/// A failed CUDA call; the bindings raise it as jointfilter.errors.CudaError.
class cuda_error : public std::runtime_error {
 public:
    using std::runtime_error::runtime_error;
};

/// Guided filter (subsample 1) on device images; runs on `stream` (a cudaStream_t; 0 = the
/// default stream) and returns without synchronising unless JOINTFILTER_CUDA_SYNC=1.
void guided_filter(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                   const sweep::HostAxis& rows, const sweep::HostAxis& cols, double eps, int k1, int kab,
                   uintptr_t stream);

/// Box (mean) filter on device images, on `stream`, with the CPU box_filter's borders.
void box_filter(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis& rows,
                const sweep::HostAxis& cols, uintptr_t stream);

/// True when JOINTFILTER_CUDA_SYNC=1: synchronise after every launch (debugging).
bool sync_after_launch();

}  // namespace cuda
}  // namespace jointfilter
