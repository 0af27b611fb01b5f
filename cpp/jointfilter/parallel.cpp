#include "parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace jointfilter {
namespace {

int default_threads() {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
}

class Pool {
 public:
    ~Pool() { resize(0); }

    void resize(int n_workers) {  // n_workers excludes the calling thread
        std::lock_guard<std::mutex> busy(run_mutex_);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
            ++generation_;
        }
        wake_.notify_all();
        for (auto& t : threads_) t.join();
        threads_.clear();
        uint64_t start = 0;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = false;
            start = generation_;
        }
        // each worker starts from the generation current now, so a stop signalled before the
        // thread got scheduled is still seen
        for (int i = 0; i < n_workers; ++i) threads_.emplace_back([this, i, start] { loop(i + 1, start); });
    }

    int size() const { return static_cast<int>(threads_.size()); }

    void run(int64_t n_tasks, int max_workers, TaskFn fn, void* ctx) {
        std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
        const int helpers = busy.owns_lock() ? std::min<int>(max_workers - 1, size()) : 0;
        if (helpers <= 0) {  // pool busy (another Python thread) or single-threaded
            for (int64_t t = 0; t < n_tasks; ++t) fn(ctx, t, 0);
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            fn_ = fn;
            ctx_ = ctx;
            n_tasks_ = n_tasks;
            active_helpers_ = helpers;
            next_.store(0);
            pending_ = helpers;
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        work(0);
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return pending_ == 0; });
        if (error_) std::rethrow_exception(error_);
    }

 private:
    void work(int worker) {
        for (;;) {
            const int64_t t = next_.fetch_add(1);
            if (t >= n_tasks_) return;
            try {
                fn_(ctx_, t, worker);
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex_);
                if (!error_) error_ = std::current_exception();
                next_.store(n_tasks_);  // skip the remaining tasks
            }
        }
    }

    void loop(int worker, uint64_t seen) {
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return generation_ != seen; });
                seen = generation_;
                if (stop_) return;
                if (worker > active_helpers_) continue;
            }
            work(worker);
            std::lock_guard<std::mutex> lock(mutex_);
            if (--pending_ == 0) done_.notify_all();
        }
    }

    std::vector<std::thread> threads_;
    std::mutex run_mutex_;  // one parallel_for at a time on the pool
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    uint64_t generation_ = 0;
    bool stop_ = false;
    TaskFn fn_ = nullptr;
    void* ctx_ = nullptr;
    int64_t n_tasks_ = 0;
    int active_helpers_ = 0;
    int pending_ = 0;
    std::atomic<int64_t> next_{0};
    std::exception_ptr error_;
};

std::mutex config_mutex;
int num_threads = 0;  // 0 = not yet initialised

Pool& pool() {
    static Pool instance;
    return instance;
}

}  // namespace

void set_num_threads(int n) {
    std::lock_guard<std::mutex> lock(config_mutex);
    num_threads = n <= 0 ? default_threads() : n;
    pool().resize(num_threads - 1);
}

int get_num_threads() {
    std::lock_guard<std::mutex> lock(config_mutex);
    if (num_threads == 0) {
        num_threads = default_threads();
        pool().resize(num_threads - 1);
    }
    return num_threads;
}

void parallel_for(int64_t n_tasks, int max_workers, TaskFn fn, void* ctx) {
    if (n_tasks <= 0) return;
    const int workers = static_cast<int>(std::min<int64_t>(std::max(1, max_workers), n_tasks));
    if (workers == 1) {
        for (int64_t t = 0; t < n_tasks; ++t) fn(ctx, t, 0);
        return;
    }
    get_num_threads();  // make sure the pool exists
    pool().run(n_tasks, workers, fn, ctx);
}

}  // namespace jointfilter
