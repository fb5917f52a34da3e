#include "cmvm/worker_pool.hpp"

#include <unistd.h>
#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace da4ml::cmvm {

namespace {

constexpr auto kSpin = std::chrono::microseconds(2000);  // helpers poll this long after a job, then block

class Pool {
   public:
    // Detached helpers that live as long as the process (never destroyed: no join at exit).
    void ensure(int n) {
        while (n_threads_ < n) {
            std::thread t(&Pool::loop, this, n_threads_);
            handles_.push_back(t.native_handle());
            t.detach();
            ++n_threads_;
            excluded_cpu_ = -1;  // the new thread has the default placement
        }
        keep_off_caller_cpu();
    }
    // Runs the job on the caller and on the helpers that join before the caller has finished it: a helper
    // that wakes late (its work already done by the others) is not waited for.
    void run(int helpers, const std::function<void()> &job) {
        ensure(helpers);
        {
            std::lock_guard<std::mutex> lk(m_);
            job_ = &job;
            want_ = helpers;
            open_ = true;
            ++gen_;
            gen_seen_.store(gen_, std::memory_order_release);
        }
        wake_.notify_all();
        job();
        std::unique_lock<std::mutex> lk(m_);
        open_ = false;
        done_.wait(lk, [&] { return running_ == 0; });
        job_ = nullptr;
    }
    // Gets `helpers` threads polling for the next job now, so that a job posted soon starts at once
    // instead of after a blocked thread's wake-up (tens of microseconds, longer on a busy VM).
    void prewake(int helpers) {
        ensure(helpers);
        {
            std::lock_guard<std::mutex> lk(m_);
            ++poke_;
        }
        wake_.notify_all();
    }
    std::mutex busy;  // one solve at a time uses the pool

   private:
    void loop(int id) {
        uint64_t seen = 0, poked = 0;
        for (;;) {
            const auto t0 = std::chrono::steady_clock::now();
            while (gen_seen_.load(std::memory_order_acquire) == seen && std::chrono::steady_clock::now() - t0 < kSpin)
                std::this_thread::yield();
            std::unique_lock<std::mutex> lk(m_);
            wake_.wait(lk, [&] { return gen_ != seen || poke_ != poked; });
            poked = poke_;
            if (gen_ == seen) continue;  // woken ahead of a job: poll for it
            seen = gen_;
            if (id >= want_ || !open_) continue;
            ++running_;
            const std::function<void()> *job = job_;
            lk.unlock();
            (*job)();
            lk.lock();
            if (--running_ == 0) done_.notify_all();
        }
    }
    std::mutex m_;
    std::condition_variable wake_, done_;
    const std::function<void()> *job_ = nullptr;
    // Keeps the helpers off the CPU the caller runs on.  A helper woken from sleep tends to be placed on its
    // waker's CPU, and a polling thread stays there: caller and helper then share one core and the trials run
    // one after the other (measured on the 2-core VM after any pause between solves).  One affinity call
    // when the caller has moved; nothing otherwise.
    void keep_off_caller_cpu() {
#ifdef __linux__
        const int me = sched_getcpu();
        if (me < 0 || me == excluded_cpu_) return;
        cpu_set_t allowed;
        if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
        if (CPU_COUNT(&allowed) < 2 || !CPU_ISSET(me, &allowed)) return;
        CPU_CLR(me, &allowed);
        for (auto h : handles_) pthread_setaffinity_np(h, sizeof allowed, &allowed);
        excluded_cpu_ = me;
#endif
    }
    uint64_t gen_ = 0, poke_ = 0;
    std::atomic<uint64_t> gen_seen_{0};
    int want_ = 0, running_ = 0, n_threads_ = 0;
    bool open_ = false;  // the current job still takes helpers
    std::vector<std::thread::native_handle_type> handles_;
    int excluded_cpu_ = -1;
};

// The pool of this process; a forked child (whose copy has no threads) starts its own.
Pool &pool() {
    static std::mutex m;
    static Pool *p = nullptr;
    static pid_t owner = 0;
    std::lock_guard<std::mutex> lk(m);
    if (!p || owner != getpid()) {
        p = new Pool();  // the parent's copy is left alone: its threads do not exist here
        owner = getpid();
    }
    return *p;
}

}  // namespace

void prewake_helpers(int helpers) {
    if (helpers <= 0) return;
    Pool &p = pool();
    std::unique_lock<std::mutex> lk(p.busy, std::try_to_lock);
    if (lk.owns_lock()) p.prewake(helpers);
}

void run_parallel(int helpers, const std::function<void()> &job) {
    if (helpers <= 0) {
        job();
        return;
    }
    Pool &p = pool();
    std::unique_lock<std::mutex> lk(p.busy, std::try_to_lock);
    if (lk.owns_lock()) {
        p.run(helpers, job);
        return;
    }
    std::vector<std::thread> extra;
    for (int i = 0; i < helpers; ++i) extra.emplace_back(job);
    job();
    for (auto &t : extra) t.join();
}

}  // namespace da4ml::cmvm
