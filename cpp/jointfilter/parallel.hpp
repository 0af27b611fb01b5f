// The library's one parallel-for: a persistent pool of worker threads.
//
// Work is split into tasks whose boundaries never depend on the thread count, so results are
// bit-identical whatever set_num_threads() says. The entry point takes a plain function
// pointer (not std::function) because it is called from kernel files compiled for different
// instruction sets, which must not share inline template code with this file.
#pragma once

#include <cstdint>

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

}  // namespace jointfilter
