// Host entry points of the CUDA guided and box filters (no CUDA headers needed by the caller).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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

/// Guided filter (plan.s == 1) or fast guided filter (plan.s > 1) on device images; runs on
/// `stream` (a cudaStream_t; 0 = the default stream) with stream-ordered scratch and returns
/// without synchronising unless JOINTFILTER_CUDA_SYNC=1.
void guided_filter(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out,
                   const sweep::HostGuidedPlan& plan, double eps, uintptr_t stream);

/// Box (mean) filter on device images, on `stream`, with the CPU box_filter's borders.
void box_filter(const sweep::Image& src, const sweep::Image& out, const sweep::HostAxis& rows,
                const sweep::HostAxis& cols, uintptr_t stream);

/// The device state of a GPU GuidedFilter object: every buffer of the (fast) guided filter for
/// one plan, allocated once, and a stream of its own. run() orders its launches after the
/// caller's stream and the caller's stream after them (events, no host synchronisation), and
/// allocates nothing: a video loop costs launches only. One run at a time (the Python object
/// serialises calls); successive runs reuse the buffers in stream order.
class GuidedWorkspace {
 public:
    explicit GuidedWorkspace(const sweep::HostGuidedPlan& plan);
    ~GuidedWorkspace();
    GuidedWorkspace(const GuidedWorkspace&) = delete;
    GuidedWorkspace& operator=(const GuidedWorkspace&) = delete;

    void run(const sweep::Image& target, const sweep::Image& guide, const sweep::Image& out, double eps,
             uintptr_t caller_stream);
    /// Device bytes held.
    size_t nbytes() const;
    /// The object's own stream (a cudaStream_t).
    uintptr_t stream() const;
    const sweep::HostGuidedPlan& plan() const;

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// True when JOINTFILTER_CUDA_SYNC=1: synchronise after every launch (debugging).
bool sync_after_launch();

}  // namespace cuda
}  // namespace jointfilter
