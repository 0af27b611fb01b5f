#include "kernel_job.hpp"

namespace jointfilter {

int64_t moment_count(int64_t guide_channels, int64_t target_channels) {
    // gray: I, I^2, p_c, I p_c; colour: I_r, I_g, I_b, 6 products, p_c, I_r p_c, I_g p_c, I_b p_c
    return guide_channels == 1 ? 2 + 2 * target_channels : 9 + 4 * target_channels;
}

int64_t coef_count(int64_t guide_channels, int64_t target_channels) {
    return target_channels * (guide_channels + 1);  // per target channel: a_1..a_Cg, b
}

}  // namespace jointfilter
