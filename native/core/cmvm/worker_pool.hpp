// A small process-wide pool of helper threads for the optimizer's trials.  Starting a thread per solve
// costs ~50-100 us, and a core that went idle between two solves takes about as long to wake (measured on
// the 2-core VM: a fresh thread per solve gave 8x8 kernels no speed-up at all).  The helpers stay alive
// and spin briefly after each job before they block, like an OpenMP runtime, so back-to-back solves of
// small kernels run their trials in parallel at once.  Results never depend on which thread runs what.
#pragma once
#include <functional>

namespace da4ml::cmvm {

// Runs `job` on the calling thread and on `helpers` pool threads at once; returns when all have returned.
// `job` must not throw.  If the pool is busy (another thread is solving), the helpers are fresh threads.
void run_parallel(int helpers, const std::function<void()> &job);
// Wakes `helpers` pool threads ahead of a run_parallel call expected soon (no-op if the pool is busy).
void prewake_helpers(int helpers);

}  // namespace da4ml::cmvm
