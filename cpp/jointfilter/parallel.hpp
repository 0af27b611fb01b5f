// The library's one parallel-for: a persistent pool of worker threads.
//
// Work is split into tasks whose boundaries never depend on the thread count, so results are
// bit-identical whatever set_num_threads() says. The entry point takes a plain function
// pointer (not std::function) because it is called from kernel files compiled for different
// instruction sets, which must not share inline template code with this file.
#pragma once

#include <cstdint>
#include <type_traits>

namespace jointfilter {

/// Set the number of threads (including the caller) used by every kernel; 0 = all cores.
void set_num_threads(int n);
/// The number of threads kernels currently use.
int get_num_threads();

using TaskFn = void (*)(void* ctx, int64_t task, int worker);

/// Run fn(ctx, task, worker) for every task in [0, n_tasks) on at most max_workers threads,
/// worker in [0, max_workers). Blocks until all tasks are done; rethrows the first exception a
/// task threw. If the pool is busy with another caller, the tasks run on the calling thread.
void parallel_for(int64_t n_tasks, int max_workers, TaskFn fn, void* ctx);

/// Run f(task) for every task in [0, n) on the pool, f any callable (for the files outside the
/// per-instruction-set kernels, which call parallel_for directly).
template <class F>
void for_tasks(int64_t n, F&& f) {
    if (n <= 0) return;
    using Fn = std::remove_reference_t<F>;
    parallel_for(n, get_num_threads(), [](void* c, int64_t t, int) { (*static_cast<Fn*>(c))(t); }, &f);
}

/// Run f(y0, y1) over bands of `band_rows` rows of [0, height) on the pool; the bands depend
/// on band_rows alone, so results never depend on the thread count.
template <class F>
void for_bands(int64_t height, int64_t band_rows, F&& f) {
    for_tasks((height + band_rows - 1) / band_rows, [&](int64_t t) {
        const int64_t y1 = (t + 1) * band_rows;
        f(t * band_rows, y1 < height ? y1 : height);
    });
}

}  // namespace jointfilter
